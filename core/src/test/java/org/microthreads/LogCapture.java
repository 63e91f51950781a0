package org.microthreads;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * Records what the library logs ({@code System.Logger} "org.microthreads", backed by
 * java.util.logging) and keeps it off the console, until closed. Reflective: the module does not
 * read java.logging.
 */
final class LogCapture {
    private LogCapture() {}

    /** Adds each logged record's throwable (if any) to {@code thrown} and its message to {@code messages}. */
    static AutoCloseable capture(List<Throwable> thrown, List<String> messages) throws Exception {
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
        return () -> setFilter.invoke(jul, previous);
    }
}
