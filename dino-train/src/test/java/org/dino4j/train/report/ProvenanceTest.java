package org.dino4j.train.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvenanceTest {

    static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    static final String OTHER = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void commitOfABranchFromItsLooseRef() throws IOException {
        Path git = Files.createDirectories(tmp.resolve("repo/.git/refs/heads"));
        Files.writeString(tmp.resolve("repo/.git/HEAD"), "ref: refs/heads/main\n");
        Files.writeString(git.resolve("main"), SHA + "\n");
        Path inside = Files.createDirectories(tmp.resolve("repo/dino-examples/target"));

        assertEquals(SHA, Provenance.gitCommit(inside));
    }

    @Test
    void commitOfABranchFromPackedRefs() throws IOException {
        Files.createDirectories(tmp.resolve("repo/.git"));
        Files.writeString(tmp.resolve("repo/.git/HEAD"), "ref: refs/heads/main\n");
        Files.writeString(tmp.resolve("repo/.git/packed-refs"), "# pack-refs with: peeled fully-peeled sorted\n"
                + OTHER + " refs/heads/other\n" + SHA + " refs/heads/main\n");

        assertEquals(SHA, Provenance.gitCommit(tmp.resolve("repo")));
    }

    @Test
    void detachedHeadAndWorktree() throws IOException {
        Files.createDirectories(tmp.resolve("main/.git/worktrees/wt"));
        Files.writeString(tmp.resolve("main/.git/HEAD"), SHA + "\n");
        assertEquals(SHA, Provenance.gitCommit(tmp.resolve("main")));

        // a linked worktree: .git is a file; refs live in the main repository ("commondir")
        Path wtGit = tmp.resolve("main/.git/worktrees/wt");
        Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/feature\n");
        Files.writeString(wtGit.resolve("commondir"), "../..\n");
        Files.createDirectories(tmp.resolve("main/.git/refs/heads"));
        Files.writeString(tmp.resolve("main/.git/refs/heads/feature"), OTHER + "\n");
        Files.createDirectories(tmp.resolve("wt"));
        Files.writeString(tmp.resolve("wt/.git"), "gitdir: " + wtGit + "\n");

        assertEquals(OTHER, Provenance.gitCommit(tmp.resolve("wt")));
    }

    @Test
    void noCheckoutGivesNull() throws IOException {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.createDirectories(tmp.resolve("broken/.git"));

        assertNull(Provenance.gitCommit(tmp.resolve("broken")), "no HEAD file");
        // tmp itself is under /tmp, outside any checkout
        assertNull(Provenance.gitCommit(plain));
    }

    @Test
    void collectNamesTheVersionsAndWritesAFileThatReadsBack() throws IOException {
        Files.createDirectories(tmp.resolve("repo/.git"));
        Files.writeString(tmp.resolve("repo/.git/HEAD"), SHA + "\n");

        Provenance p = Provenance.collect(42, tmp.resolve("repo"));
        Path file = p.write(tmp);

        assertEquals(SHA, p.gitCommit());
        assertEquals(42, p.seed());
        assertTrue(p.djlVersion().matches("\\d+\\.\\d+\\.\\d+.*"), p.djlVersion());
        assertTrue(p.pytorchVersion().matches("\\d+\\.\\d+\\.\\d+.*"), p.pytorchVersion());
        assertNotNull(p.dino4jVersion());
        assertEquals(Provenance.FILE, file.getFileName().toString());
        String text = Files.readString(file);
        assertTrue(text.startsWith("# What produced this run"), text);
        assertTrue(text.contains("git_commit: \"" + SHA + "\"") || text.contains("git_commit: " + SHA), text);
        assertEquals(p, Provenance.read(tmp));
    }

    @Test
    void readRejectsOtherFiles() throws IOException {
        Files.writeString(tmp.resolve(Provenance.FILE), "- a list\n");

        IOException e = assertThrows(IOException.class, () -> Provenance.read(tmp));

        assertEquals(tmp.resolve(Provenance.FILE) + " is not a provenance file: expected a mapping with "
                + "dino4j_version, git_commit, djl_version, pytorch_version, seed, ...", e.getMessage());
    }
}
