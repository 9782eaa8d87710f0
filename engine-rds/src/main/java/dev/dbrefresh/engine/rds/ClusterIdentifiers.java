package dev.dbrefresh.engine.rds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Identifiers dbrefresh gives clusters, instances and snapshots, within the RDS/DocumentDB rules: 1 to 63
 * letters, digits and hyphens, a letter first, no two hyphens in a row, no hyphen at the end
 * (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html">ModifyDBCluster</a>,
 * {@code NewDBClusterIdentifier}; the same for snapshots and instances). A name that would be longer is cut and
 * ends with {@code -<8 hex digits of SHA-256 of the whole name>}, so names that agree in their first 63
 * characters stay distinct. Every name is derived from its inputs only, so every delivery of a message derives
 * the same one.
 */
public final class ClusterIdentifiers {

    /** Longest identifier. */
    public static final int MAX = 63;

    private ClusterIdentifiers() {
    }

    /**
     * @param raw any text
     * @return lower case, other characters than letters, digits and {@code -} replaced by {@code -}, no two
     *         hyphens in a row, none at the start or the end, {@code c-} in front when it does not start with a letter
     *         ({@code c} when nothing is left), and at
     *         most {@value #MAX} characters (cut with a hash suffix)
     */
    public static String of(String raw) {
        String id = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-{2,}", "-")
                .replaceAll("^-+|-+$", "");
        if (id.isEmpty()) {
            id = "c";
        } else if (!Character.isLetter(id.charAt(0))) {
            id = "c-" + id;
        }
        return id.length() <= MAX ? id : withHash(id, id, MAX);
    }

    /**
     * @param id     a valid identifier
     * @param hashed text whose hash makes the suffix
     * @param max    length limit of the result
     * @return {@code id} cut so that {@code -<8 hex digits of SHA-256(hashed)>} fits within {@code max}, plus it
     */
    public static String withHash(String id, String hashed, int max) {
        String head = id.substring(0, Math.min(id.length(), max - 9)).replaceAll("-+$", "");
        return head + "-" + hash8(hashed);
    }

    /**
     * The name the old target cluster is renamed to while its replacement is restored:
     * {@code <target>-old-<run id>}, cut with a hash suffix where longer than 63 characters.
     *
     * @param targetCluster the plan's {@code target.cluster}
     * @param runId         the run
     * @return the identifier, the same for every delivery of the run
     */
    public static String oldCluster(String targetCluster, String runId) {
        return of(targetCluster + "-old-" + runId);
    }

    /**
     * The final snapshot taken when the old target is deleted ({@code target.final-snapshot: true}):
     * {@code <target>-final-<run id>}, at most 255 characters (the limit of {@code FinalDBSnapshotIdentifier},
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html">DeleteDBCluster</a>).
     *
     * @param targetCluster the plan's {@code target.cluster}
     * @param runId         the run
     * @return the identifier, the same for every delivery of the run
     */
    public static String finalSnapshot(String targetCluster, String runId) {
        return of255(targetCluster + "-final-" + runId);
    }

    private static String of255(String raw) {
        String id = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-{2,}", "-")
                .replaceAll("^-+", "");
        if (id.isEmpty()) {
            id = "c";
        } else if (!Character.isLetter(id.charAt(0))) {
            id = "c-" + id;
        }
        return (id.length() > 255 ? id.substring(0, 255) : id).replaceAll("-+$", "");
    }

    /**
     * The name an instance of the old target cluster is renamed to: {@code <instance>-o<8 hex digits of the run
     * id's hash>}, so that the new cluster's instances ({@code <target>-<n>}) can take the old names. An instance
     * id longer than 53 characters is first cut to 44 plus its own hash; {@link #originalInstance} then cannot
     * give the old name back.
     *
     * @param instanceId an instance of the old target
     * @param runId      the run
     * @return the identifier, at most 63 characters
     */
    public static String oldInstance(String instanceId, String runId) {
        String suffix = runSuffix(runId);
        String head = instanceId.length() + suffix.length() <= MAX ? instanceId
                : withHash(instanceId, instanceId, MAX - suffix.length());
        return head + suffix;
    }

    /**
     * @param instanceId an instance identifier
     * @param runId      the run
     * @return whether {@link #oldInstance} made it for this run
     */
    public static boolean isOldInstance(String instanceId, String runId) {
        return instanceId.endsWith(runSuffix(runId));
    }

    /**
     * @param oldInstanceId an identifier {@link #oldInstance} made
     * @param runId         the run
     * @return the instance's name before the rename; for a name that had to be cut, the cut name without the suffix
     */
    public static String originalInstance(String oldInstanceId, String runId) {
        String suffix = runSuffix(runId);
        return oldInstanceId.endsWith(suffix) ? oldInstanceId.substring(0, oldInstanceId.length() - suffix.length())
                : oldInstanceId;
    }

    private static String runSuffix(String runId) {
        return "-o" + hash8(runId);
    }

    private static String hash8(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
