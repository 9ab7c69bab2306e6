/**
 * The end-to-end tests' DataStream jobs and the changelog they write, packaged as a user's job jar.
 */
package io.flinkpersist.e2e.jobs;
