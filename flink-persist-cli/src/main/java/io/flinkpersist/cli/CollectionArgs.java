package io.flinkpersist.cli;

import picocli.CommandLine.Parameters;

/** The two positional arguments naming a collection: where collections live, and which one. */
final class CollectionArgs {

    @Parameters(
            index = "0",
            paramLabel = "<location>",
            description =
                    "Where collections live: a directory, a file: URI or a Hadoop URI such as hdfs://namenode:8020/persist.")
    String location;

    @Parameters(index = "1", paramLabel = "<collection>", description = "The collection's name.")
    String collection;

    ExistingCollection open() {
        return ExistingCollection.open(location, collection);
    }
}
