/**
 * microthreads-test: the test kit. A JUnit 5 extension that runs test methods under the simulated
 * loop ({@code org.microthreads.Simulation}) for many seeds.
 */
module org.microthreads.test {
    requires transitive org.microthreads;
    requires transitive org.junit.jupiter.api;
    exports org.microthreads.test;
}
