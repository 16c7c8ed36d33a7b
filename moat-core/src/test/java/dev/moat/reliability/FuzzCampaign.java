package dev.moat.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Several fuzz targets behind one: the first input byte picks the target, the rest is its input.
 * Jazzer fuzzes one {@code @FuzzTest} per JVM, and on a loaded CI machine starting a JVM with the
 * Jazzer agent costs more than the fuzzing budget of one target, so {@code mvn verify} fuzzes a
 * campaign per module instead of a JVM per target. The targets themselves stay where they are
 * (called by reflection, not copied), with their own seed directories; {@link #seeds} feeds every
 * one of those seeds, prefixed with its selector byte, to the campaign.
 */
public final class FuzzCampaign {
    /** One target: a {@code void method(byte[])} of a test class, and its seed directory (a classpath resource). */
    public record Target(Method method, String seedDir) {
        public static Target of(String className, String methodName) {
            try {
                Class<?> c = Class.forName(className);
                Method m = c.getDeclaredMethod(methodName, byte[].class);
                m.setAccessible(true);
                return new Target(m, className.replace('.', '/') + "Inputs/" + methodName);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("no fuzz target " + className + "#" + methodName, e);
            }
        }
    }

    private final List<Target> targets;
    private final List<Object> instances = new ArrayList<>();

    public FuzzCampaign(List<Target> targets) {
        this.targets = List.copyOf(targets);
        for (Target t : targets) {
            try {
                var ctor = t.method.getDeclaringClass().getDeclaredConstructor();
                ctor.setAccessible(true);
                instances.add(ctor.newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Runs the target the first byte picks on the remaining bytes; rethrows what the target threw. */
    public void run(byte[] data) throws Throwable {
        if (data.length == 0) {
            return;
        }
        int i = Byte.toUnsignedInt(data[0]) % targets.size();
        byte[] rest = new byte[data.length - 1];
        System.arraycopy(data, 1, rest, 0, rest.length);
        try {
            targets.get(i).method.invoke(instances.get(i), (Object) rest);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Every seed of every target, prefixed with the target's selector byte. */
    public Stream<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            URL dir = FuzzCampaign.class.getClassLoader().getResource(targets.get(i).seedDir);
            if (dir == null || !"file".equals(dir.getProtocol())) {
                continue;
            }
            try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
                for (Path f : files.sorted().toList()) {
                    byte[] seed = Files.readAllBytes(f);
                    byte[] prefixed = new byte[seed.length + 1];
                    prefixed[0] = (byte) i;
                    System.arraycopy(seed, 0, prefixed, 1, seed.length);
                    out.add(prefixed);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.stream();
    }
}
