/**
 * microthreads: ordinary blocking-style code running as lightweight micro-threads on loops that
 * stay hidden.
 *
 * <h2>Glossary</h2>
 * <dl>
 *   <dt>micro-thread</dt><dd>a lightweight thread of blocking-style code ({@link org.microthreads.MicroThread});
 *       today a virtual thread.</dd>
 *   <dt>loop</dt><dd>where micro-threads run ({@link org.microthreads.Loop}): the shared multi-core loop,
 *       or a single-carrier loop.</dd>
 *   <dt>carrier</dt><dd>the platform thread that runs a micro-thread's code while it is mounted.</dd>
 *   <dt>mount / unmount</dt><dd>a micro-thread starts / stops running on a carrier.</dd>
 *   <dt>park / unpark</dt><dd>a micro-thread stops until woken (unmounting; its carrier runs others) /
 *       wake it. Every library wait goes through one park/unpark seam.</dd>
 *   <dt>yield</dt><dd>give the carrier to the next ready micro-thread ({@link org.microthreads.MicroThread#yieldNow()}).</dd>
 *   <dt>pin</dt><dd>a micro-thread that cannot unmount while blocked (native frames), so it blocks its carrier.</dd>
 *   <dt>start and forget / parallel</dt><dd>the proposal's styles: nobody waits / someone collects the final value.</dd>
 *   <dt>cancellation</dt><dd>an interrupt plus a sticky flag checked at every library blocking point.</dd>
 *   <dt>scope, member</dt><dd>a block run in the caller ({@link org.microthreads.MicroThread#scope},
 *       {@link org.microthreads.MicroThread#withTimeout}) whose members, the micro-threads started while it
 *       runs, cannot outlive it; its first failure (or its deadline) stops it: members cancelled, body interrupted.
 *       A {@code run} is a loop's outermost scope.</dd>
 *   <dt>deadlock</dt><dd>on a single-carrier loop: micro-threads that wait for each other (joins, pipes
 *       and limiters confined to their run) so that nothing (no timer, no outside event, no other micro-thread) can
 *       wake any of them.</dd>
 *   <dt>pipe</dt><dd>a channel between micro-threads ({@link org.microthreads.Pipe}): rendezvous (no buffer: a put
 *       waits for a take), buffered, unbounded, or dropping; closed when done, failed with a cause.</dd>
 *   <dt>limiter</dt><dd>a number of permits that bounds how many micro-threads do something at once
 *       ({@link org.microthreads.Limiter}); a mutex is the one-permit case.</dd>
 *   <dt>select</dt><dd>wait for the first of several pipe operations and do exactly that one ({@link org.microthreads.Select}).</dd>
 *   <dt>generator</dt><dd>a body that emits items to one consumer, who iterates them
 *       ({@link org.microthreads.Generator}); lazy by default (the body runs only as far as asked), or buffered.</dd>
 *   <dt>emitter</dt><dd>what a generator's body emits through ({@link org.microthreads.Generator.Emitter}); any
 *       method it is passed to emits into the same generator.</dd>
 *   <dt>inclusion</dt><dd>{@code emitAll} of a generator not started yet runs its body inside the including one,
 *       at no extra cost per item.</dd>
 *   <dt>continuation</dt><dd>a paused computation resumed later on some thread; a generator's body runs as one
 *       when the JVM has {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}.</dd>
 *   <dt>durably blocked, virtual time</dt><dd>terms of the simulated-loop capability, which builds on this package.</dd>
 * </dl>
 */
package org.microthreads;
