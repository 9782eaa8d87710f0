/**
 * The local stack's AWS endpoints (ElasticMQ, DynamoDB Local) started in-process. Compiled against
 * optional dependencies: services never ship them; the command line and the tests add them.
 */
package dev.dbrefresh.runtime.local;
