/** How the teacher follows the student: EMA (momentum encoder), previous-epoch or previous-iteration copies. */
package org.dino4j.train.teacher;
