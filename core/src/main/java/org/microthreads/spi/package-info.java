/**
 * For the toolkit modules only (Swing, JavaFX): the seam a UI loop is built on. Exported to
 * those modules alone; nothing here is part of the application API, and it may change with them.
 */
package org.microthreads.spi;
