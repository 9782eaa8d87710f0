package dev.dbrefresh.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * A call graph over compiled classes, and the AWS SDK v2 calls of the methods reachable in it.
 *
 * <p>The rule (sound for the code it reads, conservative where it cannot tell):
 * <ul>
 *   <li><b>scope</b>: the classes of the given directories (a service module and the shared modules it ships
 *       with, service-runtime and shared-contracts);</li>
 *   <li><b>roots</b>: every method of the <em>root</em> directories (the service module's own classes), every
 *       method of the classes Micronaut generates in any scope directory (simple names starting with {@code $}:
 *       bean definitions, their executable methods, introspections; these construct the beans and call their
 *       {@code @PostConstruct}/{@code @PreDestroy}/{@code @EventListener} methods), every method carrying an
 *       annotation of {@code jakarta.*} or {@code io.micronaut.*}, and every static initializer;</li>
 *   <li><b>edges</b>: {@code invoke*} instructions and the method handles of {@code invokedynamic} (lambdas,
 *       method references), resolved by class hierarchy analysis: the declaration found walking up from the
 *       named owner, plus every override in a subtype within scope;</li>
 *   <li><b>lambdas</b>: the body of a lambda or method reference of an interface outside scope ({@code Consumer},
 *       {@code Runnable}) is reachable where the lambda is created (the library may call it); of an in-scope
 *       interface ({@code SecretResolver}), only once reachable code calls that method on the interface or one of
 *       its supertypes;</li>
 *   <li><b>callbacks</b>: a class instantiated in reachable code ({@code new}, or a constructor handle) that has a
 *       supertype outside scope other than {@code Object}, {@code Record} and {@code Enum} (a {@code Runnable}, a
 *       Micronaut {@code ApplicationEventListener} or {@code HealthIndicator}) may be called back through it:
 *       all its instance methods, and its in-scope superclasses', become reachable; for any instantiated class,
 *       {@code toString}, {@code equals}, {@code hashCode} and {@code close}.</li>
 * </ul>
 *
 * <p>Limits: reflection, {@code ServiceLoader} and method calls named by strings are not followed (the code in
 * scope uses none to reach AWS); configuration ({@code @Requires}, the parameter backend) is ignored, so a bean
 * that is off in some environment still counts; a call is counted whatever its arguments (an SDK call on a path
 * only some plans take counts for every plan).
 */
final class SdkCallGraph {

    /** A call of an SDK client method, or a use of an SDK type that makes calls itself. */
    record SdkUse(String owner, String name, String descriptor, String caller) {
    }

    /** A lambda or method reference of an in-scope interface: its body runs only when that method is called. */
    private record Lambda(String iface, String method, MethodRef body) {
    }

    private record MethodRef(String owner, String name, String descriptor) {
        String key() {
            return name + descriptor;
        }
    }

    private static final class MethodInfo {
        final MethodRef ref;
        final int access;
        final List<MethodRef> calls = new ArrayList<>();
        final List<Lambda> lambdas = new ArrayList<>();
        final Set<String> instantiated = new HashSet<>();
        final List<MethodRef> externalCalls = new ArrayList<>();
        final Set<String> strings = new HashSet<>();
        boolean frameworkAnnotated;

        MethodInfo(MethodRef ref, int access) {
            this.ref = ref;
            this.access = access;
        }
    }

    private static final class ClassInfo {
        final String name;
        String superName;
        String[] interfaces = new String[0];
        final Map<String, MethodInfo> methods = new HashMap<>();
        final Map<Integer, List<String>> ctorParameterValues = new HashMap<>();
        final List<String> ctorValueAnnotations = new ArrayList<>();

        ClassInfo(String name) {
            this.name = name;
        }
    }

    private final Map<String, ClassInfo> classes = new HashMap<>();
    private final Set<String> rootClasses = new HashSet<>();
    private final Map<String, Set<String>> subtypes = new HashMap<>();
    private final Set<MethodInfo> reachable = new LinkedHashSet<>();

    /**
     * @param rootDirs  class directories whose every method is a root (the service module)
     * @param otherDirs further class directories in scope (service-runtime, shared-contracts)
     */
    SdkCallGraph(List<Path> rootDirs, List<Path> otherDirs) {
        for (Path dir : rootDirs) {
            read(dir, true);
        }
        for (Path dir : otherDirs) {
            read(dir, false);
        }
        for (ClassInfo c : classes.values()) {
            if (c.superName != null) {
                subtypes.computeIfAbsent(c.superName, k -> new HashSet<>()).add(c.name);
            }
            for (String i : c.interfaces) {
                subtypes.computeIfAbsent(i, k -> new HashSet<>()).add(c.name);
            }
        }
        solve();
    }

    private void read(Path dir, boolean root) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no compiled classes in " + dir + ": build the module first (mvn -pl "
                    + "policy-tests -am verify)");
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    ClassInfo c = parse(new ClassReader(in));
                    classes.put(c.name, c);
                    if (root) {
                        rootClasses.add(c.name);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ClassInfo parse(ClassReader reader) {
        ClassInfo[] out = new ClassInfo[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                    String[] interfaces) {
                out[0] = new ClassInfo(name);
                out[0].superName = superName;
                out[0].interfaces = interfaces == null ? new String[0] : interfaces;
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                ClassInfo c = out[0];
                MethodInfo m = new MethodInfo(new MethodRef(c.name, name, descriptor), access);
                c.methods.put(m.ref.key(), m);
                boolean ctor = name.equals("<init>");
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String desc, boolean visible) {
                        if (desc.startsWith("Ljakarta/") || desc.startsWith("Lio/micronaut/")) {
                            m.frameworkAnnotated = true;
                        }
                        return null;
                    }

                    @Override
                    public AnnotationVisitor visitParameterAnnotation(int parameter, String desc, boolean visible) {
                        if (!ctor || !desc.equals("Lio/micronaut/context/annotation/Value;")) {
                            return null;
                        }
                        return new AnnotationVisitor(Opcodes.ASM9) {
                            @Override
                            public void visit(String key, Object value) {
                                if ("value".equals(key) && value instanceof String s) {
                                    c.ctorValueAnnotations.add(s);
                                }
                            }
                        };
                    }

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String mname, String mdesc, boolean itf) {
                        m.calls.add(new MethodRef(owner, mname, mdesc));
                    }

                    @Override
                    public void visitTypeInsn(int opcode, String type) {
                        if (opcode == Opcodes.NEW) {
                            m.instantiated.add(type);
                        }
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        if (value instanceof String s) {
                            m.strings.add(s);
                        }
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String iname, String idesc, Handle bsm, Object... args) {
                        String iface = Type.getReturnType(idesc).getInternalName();
                        if (bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") && args.length > 1
                                && args[1] instanceof Handle body) {
                            m.lambdas.add(new Lambda(iface, iname, new MethodRef(body.getOwner(), body.getName(),
                                    body.getDesc())));
                            if (body.getTag() == Opcodes.H_NEWINVOKESPECIAL) {
                                m.instantiated.add(body.getOwner());
                            }
                            return;
                        }
                        for (Object a : args) {
                            if (a instanceof Handle h) {
                                m.calls.add(new MethodRef(h.getOwner(), h.getName(), h.getDesc()));
                                if (h.getTag() == Opcodes.H_NEWINVOKESPECIAL) {
                                    m.instantiated.add(h.getOwner());
                                }
                            } else if (a instanceof String s) {
                                m.strings.add(s);
                            }
                        }
                    }
                };
            }
        }, ClassReader.SKIP_FRAMES);
        return out[0];
    }

    private static boolean generated(String internalName) {
        String simple = internalName.substring(internalName.lastIndexOf('/') + 1);
        return simple.startsWith("$");
    }

    private void solve() {
        Deque<MethodInfo> work = new ArrayDeque<>();
        Set<String> instantiated = new HashSet<>();
        for (ClassInfo c : classes.values()) {
            boolean allRoots = rootClasses.contains(c.name) || generated(c.name);
            for (MethodInfo m : c.methods.values()) {
                if (allRoots || m.frameworkAnnotated || m.ref.name().equals("<clinit>")) {
                    enqueue(m, work);
                }
            }
        }
        Map<String, List<MethodRef>> pendingLambdas = new HashMap<>();
        Set<String> calledInScope = new HashSet<>();
        while (!work.isEmpty()) {
            MethodInfo m = work.pop();
            for (Lambda l : m.lambdas) {
                if (!classes.containsKey(l.iface()) || calledInScope.contains(l.iface() + "." + l.method())) {
                    // a library interface (Consumer, Runnable, ...): the library may call it at any time
                    for (MethodInfo target : resolve(l.body())) {
                        enqueue(target, work);
                    }
                } else {
                    pendingLambdas.computeIfAbsent(l.iface() + "." + l.method(), k -> new ArrayList<>()).add(l.body());
                }
            }
            for (MethodRef call : m.calls) {
                ClassInfo owner = classes.get(call.owner());
                if (owner == null) {
                    m.externalCalls.add(call);
                    continue;
                }
                // a call through an in-scope interface (or a supertype of it) may run the lambdas of that interface
                for (String type : subtypesAndSelf(call.owner())) {
                    String key = type + "." + call.name();
                    if (calledInScope.add(key)) {
                        for (MethodRef body : pendingLambdas.getOrDefault(key, List.of())) {
                            for (MethodInfo target : resolve(body)) {
                                enqueue(target, work);
                            }
                        }
                        pendingLambdas.remove(key);
                    }
                }
                for (MethodInfo target : resolve(call)) {
                    enqueue(target, work);
                }
            }
            for (String type : m.instantiated) {
                if (instantiated.add(type) && classes.containsKey(type)) {
                    for (MethodInfo cb : callbacks(type)) {
                        enqueue(cb, work);
                    }
                }
            }
        }
    }

    private Set<String> subtypesAndSelf(String type) {
        Set<String> out = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(type));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (out.add(t)) {
                todo.addAll(subtypes.getOrDefault(t, Set.of()));
            }
        }
        return out;
    }

    private void enqueue(MethodInfo m, Deque<MethodInfo> work) {
        if (reachable.add(m)) {
            work.push(m);
        }
    }

    /** Class hierarchy analysis: the declaration seen from the owner, and every override below it. */
    private Set<MethodInfo> resolve(MethodRef call) {
        Set<MethodInfo> out = new LinkedHashSet<>();
        MethodInfo declared = lookUp(call.owner(), call.key(), new HashSet<>());
        if (declared != null) {
            out.add(declared);
        }
        if (!call.name().equals("<init>") && !call.name().equals("<clinit>")) {
            Deque<String> below = new ArrayDeque<>(subtypes.getOrDefault(call.owner(), Set.of()));
            Set<String> seen = new HashSet<>();
            while (!below.isEmpty()) {
                String t = below.pop();
                if (!seen.add(t)) {
                    continue;
                }
                ClassInfo c = classes.get(t);
                if (c != null && c.methods.containsKey(call.key())) {
                    out.add(c.methods.get(call.key()));
                }
                below.addAll(subtypes.getOrDefault(t, Set.of()));
            }
        }
        return out;
    }

    private MethodInfo lookUp(String type, String key, Set<String> seen) {
        ClassInfo c = classes.get(type);
        if (c == null || !seen.add(type)) {
            return null;
        }
        MethodInfo m = c.methods.get(key);
        if (m != null) {
            return m;
        }
        if (c.superName != null) {
            MethodInfo up = lookUp(c.superName, key, seen);
            if (up != null) {
                return up;
            }
        }
        for (String i : c.interfaces) {
            MethodInfo up = lookUp(i, key, seen);
            if (up != null) {
                return up;
            }
        }
        return null;
    }

    private List<MethodInfo> callbacks(String type) {
        List<MethodInfo> out = new ArrayList<>();
        boolean external = hasExternalSupertype(type, new HashSet<>());
        for (String t = type; t != null && classes.containsKey(t); t = classes.get(t).superName) {
            for (MethodInfo m : classes.get(t).methods.values()) {
                boolean instance = (m.access & Opcodes.ACC_STATIC) == 0 && !m.ref.name().startsWith("<");
                boolean objectMethod = Set.of("toString", "equals", "hashCode", "close").contains(m.ref.name());
                if (instance && (external || objectMethod)) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    private boolean hasExternalSupertype(String type, Set<String> seen) {
        ClassInfo c = classes.get(type);
        if (c == null || !seen.add(type)) {
            return false;
        }
        List<String> supers = new ArrayList<>(List.of(c.interfaces));
        if (c.superName != null) {
            supers.add(c.superName);
        }
        for (String s : supers) {
            if (!classes.containsKey(s)) {
                if (!Set.of("java/lang/Object", "java/lang/Record", "java/lang/Enum").contains(s)) {
                    return true;
                }
            } else if (hasExternalSupertype(s, seen)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param ownerPrefix an internal name prefix, e.g. {@code software/amazon/awssdk/}
     * @return every call from a reachable method to a class outside scope whose name starts with the prefix, with
     *         its caller ({@code class.method})
     */
    List<SdkUse> externalCalls(String ownerPrefix) {
        List<SdkUse> out = new ArrayList<>();
        for (MethodInfo m : reachable) {
            for (MethodRef call : m.externalCalls) {
                if (call.owner().startsWith(ownerPrefix)) {
                    out.add(new SdkUse(call.owner(), call.name(), call.descriptor(), caller(m)));
                }
            }
            for (String t : m.instantiated) {
                if (t.startsWith(ownerPrefix)) {
                    out.add(new SdkUse(t, "<new>", "()V", caller(m)));
                }
            }
        }
        return out;
    }

    /**
     * @param s a piece of text
     * @return the reachable methods ({@code class.method}) with a string constant, or a string concatenation
     *         recipe, that contains it, e.g. {@code /dbrefresh/plans/}
     */
    Set<String> methodsContaining(String s) {
        Set<String> out = new TreeSet<>();
        for (MethodInfo m : reachable) {
            if (m.strings.stream().anyMatch(x -> x.contains(s))) {
                out.add(caller(m));
            }
        }
        return out;
    }

    /**
     * @param internalName a class in scope
     * @return the values of the {@code @Value} annotations on its constructors' parameters, e.g.
     *         {@code ${dbrefresh.tables.leases:dbrefresh-leases}}
     */
    List<String> constructorValues(String internalName) {
        ClassInfo c = classes.get(internalName);
        return c == null ? List.of() : List.copyOf(c.ctorValueAnnotations);
    }

    /** @return the number of reachable methods (for the test's own sanity checks) */
    int reachableMethods() {
        return reachable.size();
    }

    /**
     * @param internalName a class in scope
     * @param method       a method name
     * @return whether some method of that name of the class is reachable
     */
    boolean isReachable(String internalName, String method) {
        return reachable.stream().anyMatch(m -> m.ref.owner().equals(internalName) && m.ref.name().equals(method));
    }

    private static String caller(MethodInfo m) {
        String name = m.ref.name();
        // javac names a lambda body lambda$<enclosing method>$<n>: report the enclosing method
        if (name.startsWith("lambda$")) {
            String[] parts = name.split("\\$");
            name = parts.length > 1 ? parts[1] : name;
        }
        return Type.getObjectType(m.ref.owner()).getClassName() + "." + name;
    }
}
