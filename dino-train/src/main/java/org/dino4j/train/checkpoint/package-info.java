/** Checkpoints with the full training state, written atomically, for exact resume. */
package org.dino4j.train.checkpoint;
