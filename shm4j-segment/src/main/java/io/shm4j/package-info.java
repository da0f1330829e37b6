/** The root exception and the settings every shm4j layer shares. */
package io.shm4j;
