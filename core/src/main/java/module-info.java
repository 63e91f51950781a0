/**
 * microthreads: micro-threads on hidden loops, for Java 25.
 *
 * <p>Exports only {@code org.microthreads}; {@code org.microthreads.internal} holds the one class
 * that touches JDK internals. On the module path the flags the library needs name this module:
 * {@code --add-opens java.base/java.lang=org.microthreads} and
 * {@code --add-exports java.base/jdk.internal.vm=org.microthreads}.
 */
module org.microthreads {
    exports org.microthreads;
}
