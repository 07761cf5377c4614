package dev.byob.cli.simulate;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Prints a simulation as it happens: readable lines for people, in colour when asked (actors each in
 * their colour, refusals in red, trust in green), or one JSON object per line for machines (never coloured).
 */
public final class Transcript {
    /** How a line reads: neutral, a good outcome (trust), or a refusal or failure. */
    enum Tone { PLAIN, GOOD, BAD }

    private static final String RESET = "\u001b[0m";
    private static final String RED = "\u001b[31m";
    private static final String GREEN = "\u001b[32m";
    private static final String YELLOW = "\u001b[33m";
    private static final String MAGENTA = "\u001b[35m";
    private static final String CYAN = "\u001b[36m";
    private static final String BOLD_RED = "\u001b[1;31m";

    private final PrintWriter out;
    private final boolean json;
    private final boolean colour;

    /** A transcript on {@code out}: readable lines, or one JSON object per line when {@code json}; no colour. */
    public Transcript(PrintWriter out, boolean json) {
        this(out, json, false);
    }

    /** As {@link #Transcript(PrintWriter, boolean)}, with ANSI colours in readable lines when {@code colour}. */
    public Transcript(PrintWriter out, boolean json, boolean colour) {
        this.out = out;
        this.json = json;
        this.colour = colour && !json;
    }

    boolean json() {
        return json;
    }

    /** A message from one party to another. */
    void message(Duration at, String from, String to, String what, String detail) {
        if (json) {
            emit(base("message", at).put("from", from).put("to", to).put("what", what).put("detail", detail));
        } else {
            String cell = String.format(Locale.ROOT, "%-22s", from + " → " + to);
            out.printf(Locale.ROOT, "%9s  %s %-13s %s%n", time(at), paint(actorColour(from), cell), what, detail);
        }
    }

    /** Something a party did or decided. */
    void event(Duration at, String who, String what) {
        event(at, who, what, Tone.PLAIN);
    }

    /** Something a party did or decided, read as {@code tone}. */
    void event(Duration at, String who, String what, Tone tone) {
        if (json) {
            ObjectNode o = base("event", at).put("who", who).put("what", what);
            if (tone != Tone.PLAIN) {
                o.put("tone", tone == Tone.GOOD ? "good" : "bad");
            }
            emit(o);
        } else {
            String cell = String.format(Locale.ROOT, "%-22s", who);
            String line = "* " + what;
            out.printf(Locale.ROOT, "%9s  %s %s%n", time(at), paint(actorColour(who), cell),
                    tone == Tone.GOOD ? paint(GREEN, line) : tone == Tone.BAD ? paint(RED, line) : line);
        }
    }

    /** Free text: headings and summaries (not in JSON output). */
    void text(String line) {
        if (!json) {
            out.println(line);
        }
    }

    /** A broken rule or an unexpected outcome, as the run's last line. */
    public void problem(String line) {
        out.println(json ? line : "\n" + paint(BOLD_RED, line));
    }

    /** A structured record, e.g. the final trust record. */
    void record(String kind, ObjectNode fields) {
        if (json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode().put("kind", kind);
            o.setAll(fields);
            emit(o);
        }
    }

    /** Writes out what is buffered. */
    public void flush() {
        out.flush();
    }

    private String paint(String code, String s) {
        return colour && code != null ? code + s + RESET : s;
    }

    /** Hosting bridges cyan, visiting bridges magenta, the user's accounts green, the network yellow. */
    private static String actorColour(String actor) {
        if (actor.startsWith("HB")) {
            return CYAN;
        }
        if (actor.startsWith("VB")) {
            return MAGENTA;
        }
        if (actor.startsWith("alice")) {
            return GREEN;
        }
        return actor.startsWith("network") ? YELLOW : null;
    }

    private ObjectNode base(String kind, Duration at) {
        return JsonNodeFactory.instance.objectNode().put("kind", kind).put("at_ms", at.toMillis());
    }

    private void emit(ObjectNode o) {
        out.println(o.toString());
    }

    static String time(Duration d) {
        return String.format(Locale.ROOT, "+%d.%03ds", d.toSeconds(), d.toMillisPart());
    }
}
