package org.microthreads.bench

import java.awt.EventQueue
import javafx.application.Platform
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.isActive
import kotlinx.coroutines.javafx.JavaFx
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.swing.Swing
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield

/**
 * The Kotlin peers of the UI-loop benchmarks (issue 16): coroutines on `Dispatchers.Swing`
 * (`invokeLater` per dispatch) and `Dispatchers.JavaFx` (`Platform.runLater` per dispatch), the
 * plain (non-immediate) dispatchers, as the Kotlin UI guide uses them. Plain functions called from
 * the Java side, which owns the sizes and checks the results; each checks that it really ran on
 * the UI thread.
 */
object KotlinUi {

    /** `Dispatchers.Swing`, or `Dispatchers.JavaFx` (the platform must be started: `UiToolkits.startFx`). */
    @JvmStatic fun dispatcher(fx: Boolean): CoroutineDispatcher = if (fx) Dispatchers.JavaFx else Dispatchers.Swing

    private fun onUiThread(fx: Boolean): Boolean = if (fx) Platform.isFxApplicationThread() else EventQueue.isDispatchThread()

    private fun check(fx: Boolean) {
        if (!onUiThread(fx)) throw IllegalStateException("not on the UI thread: " + Thread.currentThread())
    }

    // ---- Resume: one coroutine yielding n times (each yield() is one dispatch through the toolkit's queue) ----

    @JvmStatic fun yields(fx: Boolean, n: Int): Long = runBlocking {
        withContext(dispatcher(fx)) {
            check(fx)
            var count = 0L
            repeat(n) {
                yield()
                count++
            }
            check(fx)
            count
        }
    }

    // ---- Await an event: n times, post a task to the toolkit's queue that completes a deferred, then await it ----

    @JvmStatic fun awaitEvents(fx: Boolean, n: Int): Long = runBlocking {
        withContext(dispatcher(fx)) {
            var sum = 0L
            for (i in 0 until n) {
                val clicked = CompletableDeferred<Int>()
                val task = Runnable { clicked.complete(i) }
                if (fx) Platform.runLater(task) else EventQueue.invokeLater(task)
                sum += clicked.await()
            }
            check(fx)
            sum
        }
    }

    // ---- Ping-pong: two coroutines on the UI thread, n round trips over two rendezvous channels ----

    @JvmStatic fun pingPong(fx: Boolean, n: Int): Long = runBlocking {
        withContext(dispatcher(fx)) {
            coroutineScope {
                val ping = Channel<Int>()
                val pong = Channel<Int>()
                launch { repeat(n) { pong.send(ping.receive()) } }
                var sum = 0L
                for (i in 0 until n) {
                    ping.send(i)
                    val r = pong.receive()
                    if (r != i) throw IllegalStateException("ping-pong: sent $i, got back $r")
                    sum += r
                }
                check(fx)
                sum
            }
        }
    }

    // ---- Load for the latency harness: `tasks` coroutines, each busy `stepNanos` then yield(), until stopped ----

    /** Starts the load; `steps` counts the steps done (read it after [stopLoad]). */
    @JvmStatic fun startLoad(fx: Boolean, tasks: Int, stepNanos: Long, steps: LongArray): Job {
        val scope = CoroutineScope(dispatcher(fx))
        val parent = Job()
        repeat(tasks) {
            scope.launch(parent) {
                check(fx)
                while (isActive) {
                    busy(stepNanos)
                    steps[0]++ // on the UI thread only
                    yield()
                }
            }
        }
        return parent
    }

    /**
     * Spins `nanos` on `System.nanoTime()`: one step of work. Written once, here, and used by both
     * sides of the latency harness (the Kotlin sources are compiled before, and without, the Java ones).
     */
    @JvmStatic fun busy(nanos: Long) {
        val end = System.nanoTime() + nanos
        while (System.nanoTime() - end < 0) Thread.onSpinWait()
    }

    /** Cancels the load and waits until every coroutine of it has ended. */
    @JvmStatic fun stopLoad(load: Job) = runBlocking { load.cancelAndJoin() }
}
