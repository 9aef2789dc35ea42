// Command verify checks the registry's transparency log with an implementation nobody here
// wrote: golang.org/x/mod/sumdb/note (signed notes) and golang.org/x/mod/sumdb/tlog (tiles,
// RFC 6962 hashes, inclusion and consistency proofs), as Debian's golang-golang-x-mod-dev ships them.
//
//	verify -base http://127.0.0.1:8000 -vkey '<name>+<id>+<key>' [-checkpoint FILE] [-old FILE]
//
// It reads the checkpoint (from -checkpoint, else GET /log/checkpoint) and opens it with the
// verifier key; reads the tiles through tlog's TileHashReader, which authenticates every tile
// against the checkpoint's root; hashes every entry of the entry bundles and compares it with
// the level-0 tiles; checks the registry's inclusion proofs (/api/v1/log/proofs/inclusion) with
// tlog.CheckRecord and that they equal tlog.ProveRecord's; with -old, checks the registry's
// consistency proof from that older checkpoint with tlog.CheckTree and that it equals
// tlog.ProveTree's. Prints "OK ..." and exits 0, or "FAIL: ..." and exits 1.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	resp, err := http.Get(base + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: status %d %v: %s", path, resp.StatusCode, err, body)
	}
	return body
}

// tiles serves tlog.Tile requests from the registry's tlog-tiles endpoints: Go names a tile
// tile/8/L/N[.p/W] (with its height); C2SP tlog-tiles fixes the height at 8 and leaves it out.
// Tiles are immutable, so each is fetched once; TileHashReader authenticates it on every read.
type tiles map[string][]byte

func (tiles) Height() int { return 8 }

func (c tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(ts))
	for i, t := range ts {
		path := "/log/" + strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		if c[path] == nil {
			c[path] = get(path)
		}
		data[i] = c[path]
	}
	return data, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func openCheckpoint(msg []byte, verifier note.Verifier) tlog.Tree {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint: origin %q is not the key's name %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint: size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint: root %q", lines[2])
	}
	return tlog.Tree{N: size, Hash: root}
}

type proof struct {
	Hashes []string `json:"hashes"`
}

func proofHashes(path string) []tlog.Hash {
	var p proof
	if err := json.Unmarshal(get(path), &p); err != nil {
		fail("%s: %v", path, err)
	}
	hashes := make([]tlog.Hash, len(p.Hashes))
	for i, h := range p.Hashes {
		parsed, err := tlog.ParseHash(h)
		if err != nil {
			fail("%s: hash %q", path, h)
		}
		hashes[i] = parsed
	}
	return hashes
}

func equal(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func main() {
	flag.StringVar(&base, "base", "", "the registry's base URL")
	vkey := flag.String("vkey", "", "the log's verifier key")
	checkpointFile := flag.String("checkpoint", "", "verify this checkpoint instead of the served one")
	oldFile := flag.String("old", "", "an older checkpoint to prove consistency from")
	flag.Parse()

	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg := get("/log/checkpoint")
	if *checkpointFile != "" {
		if msg, err = os.ReadFile(*checkpointFile); err != nil {
			fail("%v", err)
		}
	}
	tree := openCheckpoint(msg, verifier)
	reader := tlog.TileHashReader(tree, tiles{})
	root, err := tlog.TreeHash(tree.N, reader)
	if err != nil || root != tree.Hash {
		fail("tree hash from the tiles: %v (%v, checkpoint says %v)", err, root, tree.Hash)
	}

	// Every entry, hashed here, against the authenticated level-0 tiles.
	for start := int64(0); start < tree.N; start += 256 {
		width := tree.N - start
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		path := "/log/" + strings.Replace(tile.Path(), "tile/8/0/", "tile/entries/", 1)
		bundle := get(path)
		indexes := make([]int64, 0, width)
		entries := make([][]byte, 0, width)
		for r := bytes.NewReader(bundle); r.Len() > 0; {
			var length uint16
			if err := binary.Read(r, binary.BigEndian, &length); err != nil {
				fail("%s: %v", path, err)
			}
			entry := make([]byte, length)
			if _, err := io.ReadFull(r, entry); err != nil {
				fail("%s: %v", path, err)
			}
			indexes = append(indexes, tlog.StoredHashIndex(0, start+int64(len(entries))))
			entries = append(entries, entry)
		}
		if int64(len(entries)) != width {
			fail("%s holds %d entries, not %d", path, len(entries), width)
		}
		hashes, err := reader.ReadHashes(indexes)
		if err != nil {
			fail("tiles of %s: %v", path, err)
		}
		for i, entry := range entries {
			if tlog.RecordHash(entry) != hashes[i] {
				fail("entry %d does not hash to its leaf in the tiles (a tampered leaf)", start+int64(i))
			}
		}
	}

	// Inclusion proofs: the registry's, checked by tlog and equal to tlog's own.
	checked := 0
	step := tree.N/20 + 1
	for i := int64(0); i < tree.N; i += step {
		leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
		if err != nil {
			fail("leaf %d: %v", i, err)
		}
		theirs := proofHashes(fmt.Sprintf("/api/v1/log/proofs/inclusion?leaf=%d&size=%d", i, tree.N))
		if err := tlog.CheckRecord(theirs, tree.N, tree.Hash, i, leaf[0]); err != nil {
			fail("inclusion proof of leaf %d: %v", i, err)
		}
		ours, err := tlog.ProveRecord(tree.N, i, reader)
		if err != nil || !equal(theirs, ours) {
			fail("inclusion proof of leaf %d differs from tlog.ProveRecord's (%v)", i, err)
		}
		checked++
	}

	consistent := "none"
	if *oldFile != "" {
		oldMsg, err := os.ReadFile(*oldFile)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(oldMsg, verifier)
		theirs := proofHashes(fmt.Sprintf("/api/v1/log/proofs/consistency?from=%d&to=%d", old.N, tree.N))
		if err := tlog.CheckTree(theirs, tree.N, tree.Hash, old.N, old.Hash); err != nil {
			fail("consistency from %d to %d: %v (a fork)", old.N, tree.N, err)
		}
		ours, err := tlog.ProveTree(tree.N, old.N, reader)
		if err != nil || !equal(theirs, ours) {
			fail("consistency proof from %d differs from tlog.ProveTree's (%v)", old.N, err)
		}
		consistent = strconv.FormatInt(old.N, 10)
	}
	fmt.Printf("OK size=%d root=%s entries=%d inclusion_proofs=%d consistent_from=%s\n",
		tree.N, base64.StdEncoding.EncodeToString(tree.Hash[:]), tree.N, checked, consistent)
}
