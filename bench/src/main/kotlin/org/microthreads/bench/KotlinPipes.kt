package org.microthreads.bench

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.selects.selectUnbiased

/**
 * The Kotlin peers of the pipe benchmarks (PingPong, Buffered, Select, Chain): plain functions,
 * called from the Java JMH classes, which own the sizes and check the results. Every channel is
 * a `kotlinx.coroutines.channels.Channel<Int>` (rendezvous unless a capacity is given).
 *
 * Two forms of each:
 * - `...Default`: `runBlocking(Dispatchers.Default)`: every task on `Dispatchers.Default`
 *   (as many threads as cores: 2 here).
 * - `...OneThread`: plain `runBlocking {}`: every task on runBlocking's event loop, on the
 *   calling thread. Chosen as the fairest one-thread form: it is Kotlin's own one-thread
 *   scheduler (a queue drained by the thread that blocks), where `newSingleThreadContext`
 *   would put every resumption through a generic `ScheduledThreadPoolExecutor` (a locked
 *   delay queue, a park/unpark of the worker thread when it empties), which measures that
 *   executor rather than Kotlin. The Chain, whose tasks must outlive one call, runs the same
 *   event loop on a thread of its own (see [Chain]).
 */
object KotlinPipes {

    // ---- PingPong: A sends i on ping, B sends it back on pong; returns the sum of what A got back ----

    @JvmStatic fun pingPongDefault(roundTrips: Int): Long = runBlocking(Dispatchers.Default) { pingPong(roundTrips) }

    @JvmStatic fun pingPongOneThread(roundTrips: Int): Long = runBlocking { pingPong(roundTrips) }

    private suspend fun pingPong(n: Int): Long = coroutineScope {
        val ping = Channel<Int>()
        val pong = Channel<Int>()
        launch { // B
            repeat(n) { pong.send(ping.receive()) }
        }
        async { // A
            var sum = 0L
            for (i in 0 until n) {
                ping.send(i)
                val r = pong.receive()
                if (r != i) throw IllegalStateException("ping-pong: sent $i, got back $r")
                sum += r
            }
            sum
        }.await()
    }

    // ---- Buffered: one producer sends 0 until n into a channel of the given capacity; returns the consumer's sum ----

    @JvmStatic fun bufferedDefault(items: Int, capacity: Int): Long =
        runBlocking(Dispatchers.Default) { buffered(items, capacity) }

    @JvmStatic fun bufferedOneThread(items: Int, capacity: Int): Long = runBlocking { buffered(items, capacity) }

    private suspend fun buffered(n: Int, capacity: Int): Long = coroutineScope {
        val channel = Channel<Int>(capacity)
        launch { // producer
            for (i in 0 until n) channel.send(i)
        }
        async { // consumer
            var sum = 0L
            repeat(n) { sum += channel.receive() }
            sum
        }.await()
    }

    // ---- Select: producers send 0 until n/2 and n/2 until n on two rendezvous channels; one consumer selects n times ----

    @JvmStatic fun selectDefault(items: Int): Long = runBlocking(Dispatchers.Default) { select(items, unbiased = false) }

    @JvmStatic fun selectOneThread(items: Int): Long = runBlocking { select(items, unbiased = false) }

    @JvmStatic fun selectUnbiasedDefault(items: Int): Long = runBlocking(Dispatchers.Default) { select(items, unbiased = true) }

    @JvmStatic fun selectUnbiasedOneThread(items: Int): Long = runBlocking { select(items, unbiased = true) }

    private suspend fun select(n: Int, unbiased: Boolean): Long = coroutineScope {
        val a = Channel<Int>()
        val b = Channel<Int>()
        val half = n / 2
        launch { for (i in 0 until half) a.send(i) }
        launch { for (i in half until n) b.send(i) }
        async { // consumer
            var sum = 0L
            if (unbiased) {
                repeat(n) { sum += selectUnbiased<Int> { a.onReceive { it }; b.onReceive { it } } }
            } else {
                repeat(n) { sum += select<Int> { a.onReceive { it }; b.onReceive { it } } }
            }
            sum
        }.await()
    }

    // ---- Chain: `length` tasks; task k receives from link k and sends value + 1 to link k + 1 ----

    /** Value that stops the chain: each task forwards it unchanged, then ends. */
    const val STOP: Int = Int.MIN_VALUE

    /**
     * A chain of [length] coroutines, started by the constructor, stopped by [close]. [pass]
     * sends one value in at the head and returns what comes out at the tail (value + length),
     * from the calling (benchmark) thread, as the Java peers do.
     *
     * One thread: the tasks must stay parked between two calls of [pass], so runBlocking's event
     * loop cannot be the calling thread's (it exists only inside one runBlocking call): it is a
     * `runBlocking {}` on a daemon thread of its own, which runs until the chain stops.
     */
    class Chain(private val length: Int, oneThread: Boolean) : AutoCloseable {
        private val links = Array(length + 1) { Channel<Int>() }
        private val thread: Thread?
        private val job: Job?

        init {
            if (oneThread) {
                job = null
                thread = Thread({ runBlocking { for (k in 0 until length) launch { link(k) } } }, "kotlin-chain")
                thread.isDaemon = true
                thread.start()
            } else {
                thread = null
                job = CoroutineScope(Dispatchers.Default).launch { for (k in 0 until length) launch { link(k) } }
            }
        }

        private suspend fun link(k: Int) {
            val input = links[k]
            val output = links[k + 1]
            while (true) {
                val v = input.receive()
                if (v == STOP) {
                    output.send(STOP)
                    return
                }
                output.send(v + 1)
            }
        }

        fun pass(value: Int): Int = runBlocking {
            links[0].send(value)
            links[length].receive()
        }

        override fun close() {
            val last = pass(STOP)
            if (last != STOP) throw IllegalStateException("chain: stop came out as $last")
            if (thread != null) thread.join() else runBlocking { job!!.join() }
        }
    }
}
