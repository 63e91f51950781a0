package org.microthreads.swing;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what the library logs (System.Logger "org.microthreads", backed by java.util.logging)
 * and keeps it off the console, until closed. Reflective, as core's: the module does not read
 * java.logging.
 */
final class LogCapture implements AutoCloseable {
    /** Each record's level and message, "WARNING: ...". */
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final AutoCloseable restore;

    LogCapture() throws Exception {
        Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        Class<?> filterClass = Class.forName("java.util.logging.Filter");
        Class<?> recordClass = Class.forName("java.util.logging.LogRecord");
        Object jul = loggerClass.getMethod("getLogger", String.class).invoke(null, "org.microthreads");
        Method getLevel = recordClass.getMethod("getLevel");
        Method getMessage = recordClass.getMethod("getMessage");
        Object filter = Proxy.newProxyInstance(LogCapture.class.getClassLoader(), new Class<?>[] {filterClass},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isLoggable" -> {
                        messages.add(getLevel.invoke(args[0]) + ": " + getMessage.invoke(args[0]));
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

    @Override
    public void close() throws Exception {
        restore.close();
    }
}
