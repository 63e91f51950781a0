/**
 * The JavaFX UI loop: micro-threads that run on the JavaFX application thread and wait for a
 * click, a timer or offloaded work without freezing the window and without a nested event loop.
 * Start with {@link org.microthreads.javafx.FxLoop}.
 */
package org.microthreads.javafx;
