/** Reading and writing named tensors: the raw-tensor manifest format of the parity fixtures. */
package org.dino4j.core.io;
