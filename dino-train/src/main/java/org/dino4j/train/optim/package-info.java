/** Optimisation as the official DINO code does it: AdamW with two parameter groups and per-tensor clipping. */
package org.dino4j.train.optim;
