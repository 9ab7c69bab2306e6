/** Test support: child processes and their main classes. */
package io.flinkpersist.testing;
