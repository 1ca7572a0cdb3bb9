package signing

import "errors"

// ber2der rewrites BER indefinite lengths as definite ones (NSS, and so poppler's
// pdfsig -add-signature, writes CMS with indefinite lengths). Everything else is kept as is.
func ber2der(b []byte) ([]byte, error) {
	out, _, err := berElem(b, 0)
	return out, err
}

const maxBERDepth = 64

// berElem converts the element at the start of b and returns it and the bytes it took.
func berElem(b []byte, depth int) ([]byte, int, error) {
	if depth > maxBERDepth {
		return nil, 0, errors.New("BER nested too deep")
	}
	if len(b) < 2 {
		return nil, 0, errors.New("BER truncated")
	}
	i := 1
	if b[0]&0x1F == 0x1F { // high tag number
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return nil, 0, errors.New("BER truncated")
	}
	tag := b[:i]
	constructed := b[0]&0x20 != 0
	l := int(b[i])
	i++
	if l == 0x80 {
		if !constructed {
			return nil, 0, errors.New("BER indefinite length on a primitive element")
		}
		var content []byte
		for {
			if i+1 < len(b) && b[i] == 0 && b[i+1] == 0 {
				i += 2
				break
			}
			if i >= len(b) {
				return nil, 0, errors.New("BER truncated")
			}
			e, n, err := berElem(b[i:], depth+1)
			if err != nil {
				return nil, 0, err
			}
			content = append(content, e...)
			i += n
		}
		return tlvTag(tag, content), i, nil
	}
	if l&0x80 != 0 {
		k := l & 0x7F
		if k > 4 || i+k > len(b) {
			return nil, 0, errors.New("BER length too long")
		}
		l = 0
		for j := 0; j < k; j++ {
			l = l<<8 | int(b[i+j])
		}
		i += k
	}
	if l < 0 || i+l > len(b) {
		return nil, 0, errors.New("BER truncated")
	}
	if !constructed {
		return tlvTag(tag, b[i:i+l]), i + l, nil
	}
	var content []byte
	for j := i; j < i+l; {
		e, n, err := berElem(b[j:i+l], depth+1)
		if err != nil {
			return nil, 0, err
		}
		content = append(content, e...)
		j += n
	}
	return tlvTag(tag, content), i + l, nil
}

func tlvTag(tag []byte, content []byte) []byte {
	if len(tag) == 1 {
		return tlv(tag[0], content)
	}
	t := tlv(0, content)
	return append(append([]byte{}, tag...), t[1:]...)
}
