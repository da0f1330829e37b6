/** Implementation of the Ray backend. No compatibility promise. */
package io.shm4j.ray.internal;
