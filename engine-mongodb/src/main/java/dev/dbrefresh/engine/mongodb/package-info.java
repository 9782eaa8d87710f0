/**
 * The {@code mongodb} engine (issue 9): snapshots of a self-managed MongoDB database in mongodump's directory
 * layout with a manifest of counts and checksums ({@link dev.dbrefresh.engine.mongodb.MongoSnapshotter}),
 * restores by staging collections and rename or by a delta of the fewest writes
 * ({@link dev.dbrefresh.engine.mongodb.MongoRestorer}), and verification of a target against the manifest
 * ({@link dev.dbrefresh.engine.mongodb.ManifestVerifier}).
 *
 * <p>Plain Java on {@code mongodb-driver-sync}; no framework. The services host it once the engines-as-modules
 * re-layout (issue 8) gives them an engine SPI.
 */
package dev.dbrefresh.engine.mongodb;
