/**
 * microthreads for JavaFX: a UI loop whose micro-threads run on the JavaFX application thread
 * ({@link org.microthreads.javafx.FxLoop}).
 *
 * <p>Needs the flags of core's UI loops: on the class path
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} and
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}; on the module path the same flags
 * naming {@code org.microthreads} instead of {@code ALL-UNNAMED}.
 */
module org.microthreads.javafx {
    requires transitive org.microthreads;
    requires transitive javafx.graphics;
    requires transitive javafx.controls;

    exports org.microthreads.javafx;
}
