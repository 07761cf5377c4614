package dev.byob.cli.simulate;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/** Prints a simulation as it happens: readable lines for people, or one JSON object per line for machines. */
public final class Transcript {
    private final PrintWriter out;
    private final boolean json;

    /** A transcript on {@code out}: readable lines, or one JSON object per line when {@code json}. */
    public Transcript(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    boolean json() {
        return json;
    }

    /** A message from one party to another. */
    void message(Duration at, String from, String to, String what, String detail) {
        if (json) {
            emit(base("message", at).put("from", from).put("to", to).put("what", what).put("detail", detail));
        } else {
            out.printf(Locale.ROOT, "%9s  %-22s %-13s %s%n", time(at), from + " → " + to, what, detail);
        }
    }

    /** Something a party did or decided. */
    void event(Duration at, String who, String what) {
        if (json) {
            emit(base("event", at).put("who", who).put("what", what));
        } else {
            out.printf(Locale.ROOT, "%9s  %-22s %s%n", time(at), who, "* " + what);
        }
    }

    /** Free text: headings and summaries (not in JSON output). */
    void text(String line) {
        if (!json) {
            out.println(line);
        }
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
