package api

import (
	"crypto/tls"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Lingering close. When a request body is over the limit, the server
// answers 413 without reading the body and closes the connection. Closing
// a TCP socket with unread data makes the kernel send RST, and a client
// still writing its body then loses the 413 it was sent ("connection reset
// by peer") — net/http avoids this with a lingering close, fasthttp does
// not. LingeringListener marks such connections (errorHandler calls
// lingerAfter on a 413) and, on Close, half-closes them, discards what the
// client still sends for a bounded time, then closes.

const (
	lingerTimeout = 2 * time.Second
	lingerMax     = 8 << 20
)

// LingeringListener wraps ln (a plain TCP listener, beneath any TLS) for
// app.Listener: connections refused with 413 are closed gracefully, so the
// client reads the problem document. Other connections close as before.
func LingeringListener(ln net.Listener) net.Listener { return lingerListener{ln} }

type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

func (c *lingerConn) Close() error {
	if c.linger.Load() {
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTimeout))
			_, _ = io.CopyN(io.Discard, c.Conn, lingerMax)
		}
	}
	return c.Conn.Close()
}

// lingerAfter marks the request's connection for a lingering close; a no-op
// unless it came through LingeringListener.
func lingerAfter(c *fiber.Ctx) {
	conn := c.Context().Conn()
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn() // TLS runs above the lingering TCP connection
	}
	if lc, ok := conn.(*lingerConn); ok {
		lc.linger.Store(true)
	}
}
