package org.microthreads.bench;

import java.util.concurrent.locks.LockSupport;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Select;

/**
 * Our side of the pipe benchmarks (PingPong, Buffered, Select, Chain): the same scenarios as
 * {@link ChannelPeers}, with micro-threads and {@link Pipe}s, on a given loop. Each scenario runs
 * in one {@code loop.run}: its tasks are micro-threads started by the run's main micro-thread,
 * which joins them (so a failure fails the benchmark).
 */
final class OurPipes {
    private OurPipes() {}

    /** {@code confined}: the pipes {@linkplain Pipe#confined() confined} to {@code loop} (a single-carrier loop). */
    static long pingPong(Loop loop, int roundTrips, boolean confined) throws InterruptedException {
        return loop.run(() -> {
            Pipe<Integer> ping = confine(Pipe.rendezvous(), confined), pong = confine(Pipe.rendezvous(), confined);
            MicroThread<Void> b = MicroThread.parallel(() -> {
                for (int i = 0; i < roundTrips; i++) pong.put(ping.take());
                return null;
            });
            MicroThread<Long> a = MicroThread.parallel(() -> {
                long s = 0;
                for (int i = 0; i < roundTrips; i++) {
                    ping.put(i);
                    int r = pong.take();
                    if (r != i) throw new IllegalStateException("ping-pong: sent " + i + ", got back " + r);
                    s += r;
                }
                return s;
            });
            b.join();
            return a.join();
        });
    }

    /** As {@link #pingPong}, with a bare turn and {@code LockSupport} instead of pipes: the floor of a hand-off. */
    static long parkUnparkPingPong(Loop loop, int roundTrips) throws InterruptedException {
        return loop.run(() -> {
            Turn turn = new Turn();
            MicroThread<Void> b = MicroThread.parallel(() -> {
                turn.b = Thread.currentThread();
                for (int i = 0; i < roundTrips; i++) {
                    while (turn.side != 1) LockSupport.park();
                    turn.side = 0;
                    LockSupport.unpark(turn.a);
                }
                return null;
            });
            MicroThread<Long> a = MicroThread.parallel(() -> {
                turn.a = Thread.currentThread();
                long s = 0;
                for (int i = 0; i < roundTrips; i++) {
                    turn.value = i;
                    turn.side = 1;
                    LockSupport.unpark(turn.b);
                    while (turn.side != 0) LockSupport.park();
                    s += turn.value;
                }
                return s;
            });
            b.join();
            return a.join();
        });
    }

    /** The state {@link #parkUnparkPingPong} hands back and forth. */
    private static final class Turn {
        volatile int side;
        volatile Thread a, b;
        int value;
    }

    static long buffered(Loop loop, int items, int capacity, boolean confined) throws InterruptedException {
        return loop.run(() -> {
            Pipe<Integer> p = confine(Pipe.buffered(capacity), confined);
            MicroThread<Void> producer = MicroThread.parallel(() -> {
                for (int i = 0; i < items; i++) p.put(i);
                return null;
            });
            MicroThread<Long> consumer = MicroThread.parallel(() -> {
                long s = 0;
                for (int i = 0; i < items; i++) s += p.take();
                return s;
            });
            producer.join();
            return consumer.join();
        });
    }

    /** As {@link ChannelPeers#joxSelect}: two producers, one consumer selecting (fair, Go-like) over both. */
    static long select(Loop loop, int items, boolean fair, boolean confined) throws InterruptedException {
        return loop.run(() -> {
            Pipe<Integer> a = confine(Pipe.rendezvous(), confined), b = confine(Pipe.rendezvous(), confined);
            int half = items / 2;
            MicroThread<Void> pa = MicroThread.parallel(() -> {
                for (int i = 0; i < half; i++) a.put(i);
                return null;
            });
            MicroThread<Void> pb = MicroThread.parallel(() -> {
                for (int i = half; i < items; i++) b.put(i);
                return null;
            });
            MicroThread<Long> consumer = MicroThread.parallel(() -> {
                long s = 0;
                for (int i = 0; i < items; i++) {
                    Integer v = fair ? Select.select(a.onTake(x -> x), b.onTake(x -> x))
                            : Select.selectFirst(a.onTake(x -> x), b.onTake(x -> x));
                    s += v;
                }
                return s;
            });
            pa.join();
            pb.join();
            return consumer.join();
        });
    }

    /** The pipe, confined to the caller's single-carrier loop if {@code confined} (the fast path without a lock). */
    private static <T> Pipe<T> confine(Pipe<T> p, boolean confined) {
        return confined ? p.confined() : p;
    }

    /**
     * As {@link ChannelPeers.Chain}: {@code length} micro-threads started on {@code loop} (from the
     * platform benchmark thread, with {@link Loop#startAndForget}), rendezvous pipes between them.
     */
    static final class Chain implements AutoCloseable {
        private final Pipe<Integer>[] links;
        private final MicroThread<?>[] tasks;

        @SuppressWarnings("unchecked")
        Chain(Loop loop, int length) {
            links = new Pipe[length + 1];
            for (int k = 0; k <= length; k++) links[k] = Pipe.rendezvous();
            tasks = new MicroThread<?>[length];
            for (int k = 0; k < length; k++) {
                Pipe<Integer> in = links[k], out = links[k + 1];
                tasks[k] = loop.startAndForget(() -> {
                    while (true) {
                        int v = in.take();
                        if (v == ChannelPeers.STOP) {
                            out.put(ChannelPeers.STOP);
                            return;
                        }
                        out.put(v + 1);
                    }
                });
            }
        }

        int pass(int value) throws InterruptedException {
            links[0].put(value);
            return links[links.length - 1].take();
        }

        @Override
        public void close() throws InterruptedException {
            ChannelPeers.check("chain stop", pass(ChannelPeers.STOP), ChannelPeers.STOP);
            for (MicroThread<?> t : tasks) t.join();
        }
    }
}
