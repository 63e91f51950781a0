package org.microthreads;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what the library logs ({@code System.Logger} "org.microthreads", backed by
 * java.util.logging) and keeps it off the console, until closed. Reflective: the module does not
 * read java.logging. Any thread may log meanwhile, hence the thread-safe lists.
 */
final class LogCapture implements AutoCloseable {
    /** Each logged record's throwable, for those that have one. */
    final List<Throwable> thrown = new CopyOnWriteArrayList<>();
    /** Each logged record's message. */
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final AutoCloseable restore;

    private LogCapture() throws Exception {
        Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        Class<?> filterClass = Class.forName("java.util.logging.Filter");
        Class<?> recordClass = Class.forName("java.util.logging.LogRecord");
        Object jul = loggerClass.getMethod("getLogger", String.class).invoke(null, "org.microthreads");
        Method getThrown = recordClass.getMethod("getThrown");
        Method getMessage = recordClass.getMethod("getMessage");
        Object filter = Proxy.newProxyInstance(LogCapture.class.getClassLoader(), new Class<?>[] {filterClass},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isLoggable" -> {
                        Throwable t = (Throwable) getThrown.invoke(args[0]);
                        if (t != null) thrown.add(t);
                        messages.add(String.valueOf(getMessage.invoke(args[0])));
                        yield false;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "LogCapture";
                });
        Method setFilter = loggerClass.getMethod("setFilter", filterClass);
        Object previous = loggerClass.getMethod("getFilter").invoke(jul);
        setFilter.invoke(jul, filter);
        restore = () -> setFilter.invoke(jul, previous);
    }

    /** Starts capturing; {@link #close()} puts the previous filter back. */
    static LogCapture start() throws Exception {
        return new LogCapture();
    }

    @Override
    public void close() throws Exception {
        restore.close();
    }
}
