package org.microthreads.test.bugs;

import java.util.List;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * An order assumption between producers. A session's events come through one pipe from two
 * micro-threads: {@code auth} sends the login, {@code ui} sends the user's clicks.
 *
 * <p>The bug: the session assumes the login comes first because {@code auth} was started first;
 * but two micro-threads started one after the other may run in either order, and a click can
 * arrive before anyone logged in. The fix starts the UI only once the login is in the pipe.
 */
final class LoginBeforeClicks implements BugProgram {

    @Override
    public String kind() {
        return "order assumption between producers";
    }

    @Override
    public MicroThread.Body<String> buggy() {
        return () -> session(false);
    }

    @Override
    public MicroThread.Body<String> fixed() {
        return () -> session(true);
    }

    private static String session(boolean fixed) throws Exception {
        Pipe<String> events = Pipe.<String>buffered(8).named("events");
        MicroThread<Void> auth = MicroThread.parallel("auth", () -> {
            events.put("login alice");
            return null;
        });
        if (fixed) auth.join(); // FIX: the login is in the pipe before any click can be
        MicroThread<Void> ui = MicroThread.parallel("ui", () -> {
            for (String click : List.of("click cart", "click pay")) events.put(click);
            return null;
        });
        String user = null;
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String event = events.take();
            if (event.startsWith("login ")) {
                user = event.substring("login ".length());
            } else if (user == null) {
                throw new AssertionError("'" + event + "' before any login");
            }
            log.append(user).append(": ").append(event).append('\n');
        }
        auth.join();
        ui.join();
        return log.toString();
    }
}
