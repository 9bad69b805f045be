package serve

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/keys"
)

// DefaultAddr is where serve listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:8787"

// Addr is a parsed --listen value.
type Addr struct {
	Network string // "tcp" or "unix"
	Address string // HOST:PORT, or the socket's path
}

func (a Addr) String() string {
	if a.Network == "unix" {
		return "unix:" + a.Address
	}
	return a.Address
}

// ParseAddr checks a --listen value: HOST:PORT with an IP address or
// localhost as HOST, or unix:PATH. A missing host is refused rather than
// read as every interface: serve leaves loopback only when told so by
// name (0.0.0.0, ::, or an interface's address).
func ParseAddr(s string) (Addr, error) {
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		if path == "" {
			return Addr{}, badAddr(s, "the socket path is empty")
		}
		return Addr{Network: "unix", Address: path}, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Addr{}, badAddr(s, "want HOST:PORT or unix:PATH")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || port == "" || (len(port) > 1 && port[0] == '0') {
		return Addr{}, badAddr(s, "the port must be a number from 0 to 65535")
	} else {
		port = strconv.FormatUint(n, 10)
	}
	switch {
	case host == "":
		return Addr{}, badAddr(s, "no host: name one, 127.0.0.1 for loopback or 0.0.0.0 for every interface")
	case host == "localhost":
	default:
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Zone() != "" {
			return Addr{}, badAddr(s, "the host must be an IP address or localhost")
		}
	}
	return Addr{Network: "tcp", Address: net.JoinHostPort(host, port)}, nil
}

func badAddr(s, why string) error {
	return keys.Errorf(keys.EINVALID, "invalid_listen", "invalid listen address %q: %s", s, why)
}

// Listen opens a. A unix socket is created 0660, so that services in its
// group may connect; a stale socket left by a crash is replaced, a live
// one is an address in use.
func Listen(a Addr) (net.Listener, error) {
	if a.Network == "unix" {
		return listenUnix(a)
	}
	ln, err := net.Listen("tcp", a.Address)
	if err != nil {
		return nil, listenError(a, err)
	}
	return ln, nil
}

func listenUnix(a Addr) (net.Listener, error) {
	if fi, err := os.Lstat(a.Address); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, keys.Errorf(keys.EINTERNAL, "listen_failed", "cannot listen on %s: a file that is not a socket is in the way", a)
		}
		if c, err := net.Dial("unix", a.Address); err == nil {
			c.Close()
			return nil, keys.Errorf(keys.EINTERNAL, "address_in_use", "cannot listen on %s: another server is answering there", a)
		}
		os.Remove(a.Address)
	}
	ln, err := net.Listen("unix", a.Address)
	if err != nil {
		return nil, listenError(a, err)
	}
	if err := os.Chmod(a.Address, 0o660); err != nil {
		ln.Close()
		return nil, listenError(a, err)
	}
	return ln, nil
}

func listenError(a Addr, err error) error {
	if addrInUse(err) {
		return keys.Errorf(keys.EINTERNAL, "address_in_use", "cannot listen on %s: the address is already in use", a).Wrap(err)
	}
	msg := err.Error()
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		msg = oe.Err.Error()
	}
	return keys.Errorf(keys.EINTERNAL, "listen_failed", "cannot listen on %s: %s", a, msg).Wrap(err)
}

// Loopback reports whether a can only be reached from this machine.
func (a Addr) Loopback() bool {
	if a.Network == "unix" {
		return true
	}
	host, _, _ := net.SplitHostPort(a.Address)
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// describe is a's one-line description for the start-up log.
func describe(ln net.Listener) string {
	if ln.Addr().Network() == "unix" {
		return fmt.Sprintf("unix:%s", ln.Addr().String())
	}
	return ln.Addr().String()
}
