package org.microthreads.internal;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;

/**
 * How {@code org.microthreads.spi.IoLoops} reaches the package-private I/O loop machinery of
 * {@code org.microthreads} (registered by {@code Loop}'s static initialiser). Not an API: this
 * package is not exported.
 */
public final class IoBridge {
    private IoBridge() {}

    /** What {@code org.microthreads} implements for {@code IoLoops}. */
    public interface Ops {
        Object create(String name);

        boolean isIoLoop(Object loop);

        long await(SelectableChannel ch, int ops, Object what) throws InterruptedException, ClosedChannelException;

        void watch(SelectableChannel ch, int ops, Runnable onReady) throws ClosedChannelException;

        void unwatch(SelectableChannel ch);

        java.util.List<org.microthreads.MicroThread<?>> descendants(org.microthreads.MicroThread<?> m);
    }

    private static volatile Ops ops;

    public static void register(Ops implementation) {
        ops = implementation;
    }

    public static Ops ops() {
        return ops;
    }
}
