package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"os"
)

// A letter uploaded for registering is held on disk between the two steps of the form (up to an
// hour), before anyone has said whether it is classified. It is held encrypted with a key that
// lives only in this process's memory: nothing readable is left on disk, and after a restart the
// held files are noise (the clerk uploads again; nothing registered is affected).
var heldAEAD = func() cipher.AEAD {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return a
}()

// writeHeld writes data encrypted (nonce ‖ ciphertext), mode 0600; the path is the AAD, so a
// file moved to another name does not open.
func writeHeld(path string, data []byte, perm os.FileMode) error {
	nonce := make([]byte, heldAEAD.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	return os.WriteFile(path, heldAEAD.Seal(nonce, nonce, data, []byte(path)), perm)
}

// readHeld reads a file written by writeHeld.
func readHeld(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n := heldAEAD.NonceSize()
	if len(b) < n {
		return nil, errors.New("held upload: too short")
	}
	return heldAEAD.Open(nil, b[:n], b[n:], []byte(path))
}
