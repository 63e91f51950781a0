/**
 * microthreads: micro-threads on hidden loops, for Java 25.
 *
 * <p>Exports {@code org.microthreads}, and {@code org.microthreads.spi} to the toolkit modules
 * (Swing, JavaFX) only; {@code org.microthreads.internal} holds the one class that touches JDK
 * internals. On the module path the flags the library needs name this module:
 * {@code --add-opens java.base/java.lang=org.microthreads} and
 * {@code --add-exports java.base/jdk.internal.vm=org.microthreads}.
 */
module org.microthreads {
    exports org.microthreads;
    // the seam of the UI loops, for the toolkit modules only (ADR 0029)
    // the seams of the UI loops (ADR 0029) and of the I/O loops (ADR 0030), for our own modules only
    exports org.microthreads.spi to org.microthreads.swing, org.microthreads.javafx, org.microthreads.server;
}
