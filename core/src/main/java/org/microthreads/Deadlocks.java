package org.microthreads;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rule of the deadlock report (ADR 0007, 0013, 0019, 0021): which micro-threads of a loop with one
 * carrier nothing can ever wake. Run by the carrier (or host thread) when it is idle, on a
 * snapshot of the live micro-threads; it never blocks.
 *
 * <p>The candidates are the micro-threads in a wait counted as internal ({@link Park#beginWait}):
 * no timeout, not under {@code withTimeout}; and {@linkplain MicroThread#parked parked} in it with
 * no wake-up on the way. An empty queue does not show that: the JDK defers the wake-up of a
 * parked virtual thread whose stack another thread is taking (a dump, the stall monitor) until
 * that is done, so a micro-thread woken by another one may reach the carrier's queue only after
 * the carrier has found it empty and run this check. A candidate stays stuck only while
 * everything that could end its wait is stuck too:
 * <ul>
 *   <li>{@code join} of a micro-thread T of the loop: T is stuck;
 *   <li>{@code parallelAll} and {@code race}: each of its micro-threads that has not ended is stuck;
 *   <li>the end of a block's members ({@code scope}, a race): each live member is stuck (and all
 *       of them run on this loop: a block with a member elsewhere never counts). Stopping a
 *       block on a failure is a cancellation, and cancellations are not counted as wake-ups
 *       here, as anywhere in this rule (any thread may cancel anything);
 *   <li>a wait on pipes {@linkplain Pipe#confined() confined} to its run, or for a permit of a
 *       limiter {@linkplain Limiter#confined() confined} to it: every live
 *       micro-thread of that run is stuck, and the failure handler is not running for the run's
 *       end (on its last micro-thread, no longer listed, which may start more of the run). Only the run's micro-threads may touch those pipes
 *       and limiters (a limiter is confined only while all its permits are free, so its permits are
 *       held by the run's micro-threads only, and only they can release one), and
 *       only they can start more micro-threads of the run, so neither a thread outside the loop,
 *       nor another run, nor a micro-thread started later from outside can end such a wait.
 *       Permits are not owned, so the rule cannot single out the holders: any micro-thread of the
 *       run may release a permit, and a wait for one is stuck only when all of them are.
 * </ul>
 * Whatever else exists (a running micro-thread, one blocked in JDK code or in an uncounted wait,
 * one whose outcome is settled but that still runs its last steps, such as a failure handler, a
 * timer, another thread) can end none of the remaining waits, so what is left when nothing more
 * can be freed is a true deadlock, even while other micro-threads of the loop carry on. Freeing
 * goes through a work list: linear in the number of live micro-threads.
 */
final class Deadlocks {
    private Deadlocks() {}

    /** The micro-threads of {@code live} that nothing can wake, oldest first; empty if none. */
    static List<MicroThread<?>> find(List<MicroThread<?>> live) {
        Set<MicroThread<?>> stuck = Collections.newSetFromMap(new IdentityHashMap<>());
        for (MicroThread<?> m : live) { // settled ones still run their last steps (a failure handler): never stuck
            if (m.waitKind != null && m.waitInternal && m.parked && !m.settled()) stuck.add(m);
        }
        if (stuck.isEmpty()) return List.of();
        Set<Scope> open = Collections.newSetFromMap(new IdentityHashMap<>()); // runs with someone not stuck
        for (MicroThread<?> m : live) {
            if (!stuck.contains(m)) open.add(m.scope);
        }
        Map<MicroThread<?>, List<MicroThread<?>>> joiners = new IdentityHashMap<>();
        Map<Scope, List<MicroThread<?>>> onPipes = new IdentityHashMap<>();
        Map<BlockScope, MicroThread<?>> blockJoiners = new IdentityHashMap<>();
        ArrayDeque<MicroThread<?>> freed = new ArrayDeque<>();
        for (MicroThread<?> m : stuck) {
            Object target = m.waitTarget;
            boolean free = switch (m.waitKind) {
                case JOIN -> !(target instanceof MicroThread<?> t) || !waitsOn(m, t, stuck, joiners);
                case JOIN_ALL -> !(target instanceof MicroThread.JoinAll all) || !waitsOnAll(m, all, stuck, joiners);
                case PIPE_TAKE, PIPE_PUT, SELECT, LIMITER -> {
                    if (!m.scope.isRun() || open.contains(m.scope) || m.scope.reporting()) yield true;
                    onPipes.computeIfAbsent(m.scope, s -> new ArrayList<>()).add(m);
                    yield false;
                }
                case SCOPE -> {
                    if (!(target instanceof BlockScope b) || b.crossLoop) yield true;
                    blockJoiners.put(b, m);
                    yield false;
                }
                default -> true; // no other wait is counted as internal
            };
            if (free) freed.add(m);
        }
        if (!blockJoiners.isEmpty()) { // a block's joiner is free if one of its live members is (or none is left)
            Set<BlockScope> withMembers = Collections.newSetFromMap(new IdentityHashMap<>());
            for (MicroThread<?> m : live) {
                MicroThread<?> joiner = m.block == null ? null : blockJoiners.get(m.block);
                if (joiner == null) continue;
                withMembers.add(m.block);
                if (!stuck.contains(m)) freed.add(joiner);
            }
            for (Map.Entry<BlockScope, MicroThread<?>> e : blockJoiners.entrySet()) {
                if (!withMembers.contains(e.getKey())) freed.add(e.getValue());
            }
        }
        while (!freed.isEmpty()) {
            MicroThread<?> m = freed.poll();
            if (!stuck.remove(m)) continue;
            freed.addAll(joiners.getOrDefault(m, List.of()));
            MicroThread<?> blockJoiner = m.block == null ? null : blockJoiners.get(m.block);
            if (blockJoiner != null) freed.add(blockJoiner);
            if (open.add(m.scope)) freed.addAll(onPipes.getOrDefault(m.scope, List.of()));
        }
        List<MicroThread<?>> result = new ArrayList<>(stuck);
        result.sort(Comparator.comparingLong(m -> m.id));
        return result;
    }

    /** Whether {@code t} is stuck (then {@code m} is freed with it). */
    private static boolean waitsOn(MicroThread<?> m, MicroThread<?> t, Set<MicroThread<?>> stuck,
                                   Map<MicroThread<?>, List<MicroThread<?>>> joiners) {
        if (!stuck.contains(t)) return false;
        joiners.computeIfAbsent(t, k -> new ArrayList<>()).add(m);
        return true;
    }

    /** Whether every micro-thread of {@code all} that has not ended is stuck. */
    private static boolean waitsOnAll(MicroThread<?> m, MicroThread.JoinAll all, Set<MicroThread<?>> stuck,
                                      Map<MicroThread<?>, List<MicroThread<?>>> joiners) {
        for (MicroThread<?> t : all.microThreads()) {
            if (!t.isDone() && !waitsOn(m, t, stuck, joiners)) return false;
        }
        return true;
    }
}
