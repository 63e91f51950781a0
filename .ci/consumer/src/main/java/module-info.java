// .ci/run builds this project once with this file (a module on the module path) and once without
// it (the class path).
module example.consumer {
    requires org.microthreads;
}
