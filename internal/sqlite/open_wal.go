package sqlite

import (
	"encoding/binary"
	"io"
	"os"
)

// walPage1 returns the newest committed copy of page 1's first 100 bytes
// (the database header) in path's -wal file, and the database size in
// pages at that commit. ok is false when the -wal file holds no committed
// page 1: then the main file's header is current.
//
// It reads the -wal as SQLite's own recovery does (a frame counts when its
// salts match the -wal header and its checksum continues the chain; a
// transaction counts when its commit frame does), so that a database can
// be judged, and refused, without SQLite opening it: opening a WAL
// database creates a -shm file and checkpoints the -wal on close.
func walPage1(path string) (header []byte, pages uint32, ok bool) {
	f, err := os.Open(path + "-wal")
	if err != nil {
		return nil, 0, false
	}
	defer f.Close()
	var hdr [32]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return nil, 0, false
	}
	magic := binary.BigEndian.Uint32(hdr[0:4])
	if magic&^1 != 0x377f0682 {
		return nil, 0, false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	pageSize := int(binary.BigEndian.Uint32(hdr[8:12]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return nil, 0, false
	}
	s0, s1 := walChecksum(order, hdr[:24], 0, 0)
	if s0 != binary.BigEndian.Uint32(hdr[24:28]) || s1 != binary.BigEndian.Uint32(hdr[28:32]) {
		return nil, 0, false
	}
	salt := hdr[16:24]
	frame := make([]byte, 24+pageSize)
	var pending []byte // page 1 in the transaction not yet committed
	for {
		if _, err := io.ReadFull(f, frame); err != nil {
			return header, pages, ok
		}
		if string(frame[8:16]) != string(salt) {
			return header, pages, ok
		}
		s0, s1 = walChecksum(order, frame[:8], s0, s1)
		s0, s1 = walChecksum(order, frame[24:], s0, s1)
		if s0 != binary.BigEndian.Uint32(frame[16:20]) || s1 != binary.BigEndian.Uint32(frame[20:24]) {
			return header, pages, ok
		}
		if binary.BigEndian.Uint32(frame[0:4]) == 1 {
			pending = append(pending[:0], frame[24:124]...)
		}
		if commit := binary.BigEndian.Uint32(frame[4:8]); commit != 0 {
			if pending != nil {
				header, ok = append([]byte(nil), pending...), true
				pending = nil
			}
			pages = commit
		}
	}
}

// walChecksum continues SQLite's WAL checksum over b (a multiple of 8
// bytes), reading words in the -wal's byte order.
func walChecksum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}
