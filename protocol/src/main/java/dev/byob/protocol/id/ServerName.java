package dev.byob.protocol.id;

/**
 * Validation of a Matrix server name: a DNS name, IPv4 or bracketed IPv6 literal, optional port; what
 * {@code (?:\[[0-9A-Fa-f:.]{2,45}]|[A-Za-z0-9.-]{1,255})(?::[0-9]{1,5})?} matches, checked by hand because every
 * user id a bridge reads, several per event, is checked.
 */
final class ServerName {
    private ServerName() {}

    /** Checks the server name that is {@code value} from {@code from} to its end. */
    static void validate(String value, int from) {
        if (!valid(value, from)) {
            throw new IllegalArgumentException("'" + value.substring(from) + "' is not a valid server name");
        }
    }

    private static boolean valid(String s, int from) {
        int n = s.length();
        int i;
        if (from < n && s.charAt(from) == '[') {
            int close = s.indexOf(']', from);
            int length = close - from - 1;
            if (close < 0 || length < 2 || length > 45) {
                return false;
            }
            for (int k = from + 1; k < close; k++) {
                char c = s.charAt(k);
                if (!(hex(c) || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            i = from;
            while (i < n && host(s.charAt(i))) {
                i++;
            }
            if (i == from || i - from > 255) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        int digits = n - i - 1;
        if (s.charAt(i) != ':' || digits < 1 || digits > 5) {
            return false;
        }
        for (int k = i + 1; k < n; k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean host(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }
}
