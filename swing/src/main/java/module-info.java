/**
 * microthreads-swing: the Swing UI loop, whose micro-threads run on the event-dispatch thread and
 * wait for the user or for slow work without freezing the window. Start with
 * {@link org.microthreads.swing.SwingLoop}.
 *
 * <p>On the module path the flags the library needs name the core module:
 * {@code --add-opens java.base/java.lang=org.microthreads} and
 * {@code --add-exports java.base/jdk.internal.vm=org.microthreads}.
 */
module org.microthreads.swing {
    requires transitive org.microthreads;
    requires transitive java.desktop;

    exports org.microthreads.swing;
}
