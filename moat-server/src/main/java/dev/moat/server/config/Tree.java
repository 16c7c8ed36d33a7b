package dev.moat.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config as a tree of maps, lists and scalar texts, each node knowing where it came from (file
 * and line, or the LibreChat variable that produced it). YAML is read token by token with Jackson's
 * YAML parser so every key keeps its line; scalars stay text until the binder knows what type the
 * key wants (so {@code ${VAR}} expansion can happen first and {@code "7"} and {@code 7} mean the same).
 */
final class Tree {
    private Tree() {
    }

    /** Where a node came from: a file and line, and optionally what produced it (a LibreChat variable). */
    record Origin(String source, int line, String via) {
        static Origin of(String source, int line) {
            return new Origin(source, line, null);
        }
    }

    abstract static sealed class Node permits MapNode, ListNode, Scalar {
        final Origin origin;

        Node(Origin origin) {
            this.origin = origin;
        }

        abstract String kind();
    }

    /** One key of a mapping, with the line of the key itself. */
    record Entry(String key, Origin keyOrigin, Node value) {
    }

    static final class MapNode extends Node {
        final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

        MapNode(Origin origin) {
            super(origin);
        }

        Entry get(String key) {
            return entries.get(key);
        }

        @Override
        String kind() {
            return "a mapping";
        }

        /**
         * Sets {@code path} (dotted, list entries as {@code name[0]}) to {@code value}, creating maps
         * and lists on the way. Used to build the tree that a LibreChat .env maps to.
         */
        void put(String path, Node value) {
            String[] parts = path.split("\\.");
            Node cur = this;
            for (int i = 0; i < parts.length; i++) {
                boolean last = i == parts.length - 1;
                Matcher m = INDEXED.matcher(parts[i]);
                String key = m.matches() ? m.group(1) : parts[i];
                int index = m.matches() ? Integer.parseInt(m.group(2)) : -1;
                MapNode map = (MapNode) cur;
                if (index < 0) {
                    if (last) {
                        map.entries.put(key, new Entry(key, value.origin, value));
                        return;
                    }
                    Entry e = map.entries.get(key);
                    if (e == null || !(e.value instanceof MapNode)) {
                        e = new Entry(key, value.origin, new MapNode(value.origin));
                        map.entries.put(key, e);
                    }
                    cur = e.value;
                } else {
                    Entry e = map.entries.get(key);
                    if (e == null || !(e.value instanceof ListNode)) {
                        e = new Entry(key, value.origin, new ListNode(value.origin));
                        map.entries.put(key, e);
                    }
                    List<Node> items = ((ListNode) e.value).items;
                    while (items.size() <= index) {
                        items.add(new MapNode(value.origin));
                    }
                    if (last) {
                        items.set(index, value);
                        return;
                    }
                    cur = items.get(index);
                }
            }
        }
    }

    private static final Pattern INDEXED = Pattern.compile("(.+)\\[(\\d+)]");

    static final class ListNode extends Node {
        final List<Node> items = new ArrayList<>();

        ListNode(Origin origin) {
            super(origin);
        }

        @Override
        String kind() {
            return "a list";
        }
    }

    /** A scalar as written; {@code text} is null for YAML null ({@code ~}, {@code null} or nothing). */
    static final class Scalar extends Node {
        final String text;

        Scalar(Origin origin, String text) {
            super(origin);
            this.text = text;
        }

        @Override
        String kind() {
            return text == null ? "nothing (null)" : "'" + text + "'";
        }
    }

    // ---------------------------------------------------------------- YAML reading

    // EMPTY_STRING_AS_NULL: `key:` with nothing after it is null (absent value), not the empty string
    private static final YAMLFactory YAML = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    /**
     * Reads a YAML document into a tree. Returns an empty mapping for an empty document, and null
     * (with errors added) when the text is not YAML or its top level is not a mapping.
     */
    static MapNode parseYaml(String yaml, String source, List<ConfigError> errors) {
        try (JsonParser p = YAML.createParser(yaml)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new MapNode(Origin.of(source, 1));
            }
            YamlReader r = new YamlReader((YAMLParser) p, source, errors);
            Node root = r.read(t, "");
            if (!(root instanceof MapNode map)) {
                if (root instanceof Scalar s && s.text == null) {
                    return new MapNode(Origin.of(source, 1));
                }
                errors.add(new ConfigError("", root.origin.line(),
                        "the top level must be a mapping of sections (server:, rate_limits:, ...), got " + root.kind(),
                        source));
                return null;
            }
            if (p.nextToken() != null) {
                errors.add(new ConfigError("", line(p.currentTokenLocation()),
                        "only one YAML document per file (found a second one)", source));
                return null;
            }
            return map;
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
            errors.add(new ConfigError("", line(e.getLocation()), "not valid YAML: " + msg.replaceAll("\\s+", " ").strip(),
                    source));
            return null;
        } catch (IOException e) {
            errors.add(new ConfigError("", 0, "cannot read YAML: " + e.getMessage(), source));
            return null;
        }
    }

    private static int line(JsonLocation loc) {
        return loc == null ? 0 : Math.max(0, loc.getLineNr());
    }

    private static final class YamlReader {
        private final YAMLParser p;
        private final String source;
        private final List<ConfigError> errors;
        private final Map<String, Node> anchors = new HashMap<>();

        YamlReader(YAMLParser p, String source, List<ConfigError> errors) {
            this.p = p;
            this.source = source;
            this.errors = errors;
        }

        Node read(JsonToken t, String path) throws IOException {
            Origin origin = Origin.of(source, line(p.currentTokenLocation()));
            String anchor = p.getCurrentAnchor();
            Node node;
            if (t == JsonToken.START_OBJECT) {
                node = readMap(origin, path);
            } else if (t == JsonToken.START_ARRAY) {
                ListNode list = new ListNode(origin);
                int i = 0;
                for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
                    list.items.add(read(item, path + "[" + i++ + "]"));
                }
                node = list;
            } else if (t == JsonToken.VALUE_STRING && p.isCurrentAlias()) {
                Node target = anchors.get(p.getText());
                if (target == null) {
                    errors.add(new ConfigError(path, origin.line(), "unknown alias '*" + p.getText() + "'", source));
                    return new Scalar(origin, null);
                }
                return target;
            } else if (t == JsonToken.VALUE_NULL) {
                node = new Scalar(origin, null);
            } else if (t.isScalarValue()) {
                node = new Scalar(origin, p.getText());
            } else {
                throw new IllegalStateException("unexpected YAML token " + t);
            }
            if (anchor != null) {
                anchors.put(anchor, node);
            }
            return node;
        }

        private MapNode readMap(Origin origin, String path) throws IOException {
            MapNode map = new MapNode(origin);
            List<MapNode> merges = new ArrayList<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String key = p.currentName();
                Origin keyOrigin = Origin.of(source, line(p.currentTokenLocation()));
                String childPath = path.isEmpty() ? key : path + "." + key;
                Node value = read(p.nextToken(), childPath);
                if ("<<".equals(key)) {
                    // YAML merge key: `<<: *defaults` (or a list of them) fills keys not given here
                    if (value instanceof MapNode m) {
                        merges.add(m);
                    } else if (value instanceof ListNode l && l.items.stream().allMatch(n -> n instanceof MapNode)) {
                        l.items.forEach(n -> merges.add((MapNode) n));
                    } else {
                        errors.add(new ConfigError(childPath, keyOrigin.line(),
                                "a merge key '<<' needs a mapping or a list of mappings, got " + value.kind(), source));
                    }
                    continue;
                }
                Entry previous = map.entries.get(key);
                if (previous != null) {
                    errors.add(new ConfigError(childPath, keyOrigin.line(),
                            "duplicate key '" + key + "' (first at line " + previous.keyOrigin().line() + ")", source));
                    continue;
                }
                map.entries.put(key, new Entry(key, keyOrigin, value));
            }
            for (MapNode m : merges) {
                m.entries.forEach(map.entries::putIfAbsent);
            }
            return map;
        }
    }

    // ---------------------------------------------------------------- merging

    /**
     * {@code over} laid over {@code base}: mappings merge key by key; anything else (scalars,
     * lists) and every restriction under {@code rate_limits.<realm>.<target|global|concurrent>} is
     * replaced whole, the same way a file's entries replace a preset's.
     */
    static MapNode merge(MapNode base, MapNode over, String path) {
        MapNode out = new MapNode(over.origin);
        out.entries.putAll(base.entries);
        for (Entry e : over.entries.values()) {
            Entry b = base.entries.get(e.key());
            String childPath = path.isEmpty() ? e.key() : path + "." + e.key();
            if (b != null && b.value() instanceof MapNode bm && e.value() instanceof MapNode om && !replacedWhole(childPath)) {
                out.entries.put(e.key(), new Entry(e.key(), e.keyOrigin(), merge(bm, om, childPath)));
            } else {
                out.entries.put(e.key(), e);
            }
        }
        return out;
    }

    private static final Pattern WHOLE = Pattern.compile("rate_limits\\.[^.]+\\.(target|global|concurrent)\\.[^.]+");

    static boolean replacedWhole(String path) {
        return WHOLE.matcher(path).matches();
    }

    /**
     * The entry of {@code root} that decides {@code path} (dotted; {@code [i]} suffixes ignored):
     * the entry at the path itself, or the nearest one above it that replaces it whole (a scalar, a
     * list, or a restriction). Null when {@code root} says nothing about the path.
     */
    static Entry decider(MapNode root, String path) {
        String[] parts = path.split("\\.");
        MapNode cur = root;
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String key = parts[i].replaceAll("\\[\\d+]$", "");
            Entry e = cur.get(key);
            if (e == null) {
                return null;
            }
            at.append(at.length() == 0 ? "" : ".").append(key);
            if (i == parts.length - 1 || !(e.value() instanceof MapNode m) || replacedWhole(at.toString())) {
                return e;
            }
            cur = m;
        }
        return null;
    }
}
