package dev.dbrefresh.engine.mongodb;

/**
 * What a restore did to one collection. In {@link MongoRestorer.Mode#REPLACE} every document is an insert (into
 * the staging collection); in {@link MongoRestorer.Mode#DELTA} the four counts add up to the documents of the
 * snapshot plus those deleted. A view counts as one document: {@code inserted = 1} when it was (re-)created,
 * {@code unchanged = 1} when the target already had it with the same definition.
 *
 * @param name       collection name
 * @param type       {@link CollectionMetadata#COLLECTION}, {@code VIEW} or {@code TIMESERIES}
 * @param inserted   documents inserted
 * @param replaced   documents replaced because their raw BSON differed
 * @param deleted    documents deleted because the snapshot no longer has them
 * @param unchanged  documents left alone because they were equal byte for byte
 * @param documents  documents of the snapshot's collection
 * @param checksum   {@link DocumentDigest#checksum()} of the snapshot's documents as read
 * @param resumed    whether an earlier, interrupted run of the same restore had already done this collection
 */
public record CollectionResult(String name, String type, long inserted, long replaced, long deleted, long unchanged,
        long documents, String checksum, boolean resumed) {
}
