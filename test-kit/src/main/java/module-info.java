/**
 * microthreads-test: the test kit. A JUnit 5 extension that runs test methods under the simulated
 * loop ({@code org.microthreads.Simulation}) for many seeds: {@link org.microthreads.test.SimulatedTest}.
 *
 * <p>Opens its package to JUnit, which makes the extension (a package-private class) through the
 * annotation.
 */
module org.microthreads.test {
    requires transitive org.microthreads;
    requires transitive org.junit.jupiter.api;
    requires org.junit.platform.commons;
    requires org.opentest4j;
    exports org.microthreads.test;
    opens org.microthreads.test to org.junit.platform.commons;
}
