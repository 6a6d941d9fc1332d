package engine

import "io"

// readBody reads up to limit bytes of r, as io.ReadAll(io.LimitReader(r,
// limit)) does, into one buffer sized by size (the Content-Length; -1 when
// unknown) so that a body of known length is read without regrowing.
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit {
		size = 512
	}
	b := make([]byte, 0, size+1) // +1: room to read io.EOF without growing
	lr := io.LimitedReader{R: r, N: limit}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
