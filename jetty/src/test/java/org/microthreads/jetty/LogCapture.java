package org.microthreads.jetty;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what is logged under a java.util.logging logger name (System.Logger and, in these tests,
 * SLF4J write there) at the levels it logs (INFO and above by default: a finer level would turn on
 * Jetty's debug logging, which changes what Jetty reports at WARNING), and keeps it off the
 * console, until closed.
 */
final class LogCapture implements AutoCloseable {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final boolean useParentHandlers;
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    LogCapture(String name) {
        logger = Logger.getLogger(name);
        useParentHandlers = logger.getUseParentHandlers();
        logger.addHandler(handler);
        logger.setUseParentHandlers(false);
    }

    /** The records at {@code level} or above. */
    List<LogRecord> atLeast(Level min) {
        return records.stream().filter(r -> r.getLevel().intValue() >= min.intValue()).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(useParentHandlers);
    }
}
