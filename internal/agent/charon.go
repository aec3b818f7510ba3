package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/strongswan/govici/vici"
)

// Charon is what the agent needs of one strongSwan charon, over VICI. Every
// method is safe for concurrent use; errors are returned as charon or the
// transport gave them. Initiate and Terminate do not wait for the exchange:
// its outcome arrives as events and in SAs.
type Charon interface {
	// Conns returns the names of the connections loaded over VICI.
	Conns(ctx context.Context) ([]string, error)
	// SharedIDs returns the unique ids of the shared keys loaded over VICI.
	SharedIDs(ctx context.Context) ([]string, error)
	// SAs returns the IKE_SAs with their CHILD_SAs.
	SAs(ctx context.Context) ([]IKESA, error)
	LoadConn(ctx context.Context, conn *Section) error
	UnloadConn(ctx context.Context, name string) error
	LoadShared(ctx context.Context, s Shared) error
	UnloadShared(ctx context.Context, id string) error
	// Initiate starts the CHILD_SA child of connection ike.
	Initiate(ctx context.Context, ike, child string) error
	// Terminate deletes the IKE_SA with the unique id (and its
	// CHILD_SAs).
	Terminate(ctx context.Context, ikeID string) error
	// Events delivers charon's ike-updown, child-updown, ike-rekey,
	// child-rekey and log events; it is closed when the connection to
	// charon is lost (or Close is called).
	Events() <-chan Event
	Close() error
}

// IKESA is one IKE_SA as list-sas reports it.
type IKESA struct {
	Name        string // connection name
	UniqueID    string
	State       string // CREATED, CONNECTING, ESTABLISHED, PASSIVE, REKEYING, REKEYED, DELETING, DESTROYING
	Established int    // seconds since establishment
	RemoteHost  string
	Children    []ChildSA
}

// ChildSA is one CHILD_SA as list-sas reports it.
type ChildSA struct {
	Name       string // CHILD_SA config name
	UniqueID   string
	State      string // INSTALLED, REKEYED, ...
	BytesIn    uint64
	BytesOut   uint64
	PacketsIn  uint64
	PacketsOut uint64
}

// Event is one VICI event the agent uses.
type Event struct {
	Name string // ike-updown, child-updown, ike-rekey, child-rekey, log
	Time time.Time
	// log events
	Group       string // IKE, CFG, CHD, NET, ENC, ...
	Level       int
	IKEName     string // the IKE_SA's connection name ("" before one is known)
	IKEUniqueID string
	Msg         string
	// updown events: whether up, and the connection names of the SAs
	Up    bool
	Names []string
}

// viciCharon is Charon over govici: one session for commands, one for
// events.
type viciCharon struct {
	path   string
	cmd    *vici.Session
	ev     net.Conn // charon's event stream (events.go)
	raw    chan vici.Event
	events chan Event
}

// commandTimeout bounds every VICI command.
const commandTimeout = 15 * time.Second

// DialVICI connects to the charon listening on the VICI socket at path.
func DialVICI(ctx context.Context, path string) (Charon, error) {
	dial := vici.WithSocketPath(path)
	if strings.HasPrefix(path, "tcp://") {
		dial = vici.WithAddr("tcp", strings.TrimPrefix(path, "tcp://"))
	}
	cmd, err := vici.NewSession(dial)
	if err != nil {
		return nil, err
	}
	c := &viciCharon{path: path, cmd: cmd, raw: make(chan vici.Event, 16384), events: make(chan Event, 16384)}
	ev, err := dialEvents(ctx, path, []string{"ike-updown", "child-updown", "ike-rekey", "child-rekey", "log"}, c.raw)
	if err != nil {
		cmd.Close()
		return nil, fmt.Errorf("subscribing to charon's events: %w", err)
	}
	c.ev = ev
	go c.translate()
	return c, nil
}

func (c *viciCharon) translate() {
	defer close(c.events)
	for e := range c.raw {
		if e.Message == nil {
			continue
		}
		out := Event{Name: e.Name, Time: e.Timestamp}
		m := e.Message
		switch e.Name {
		case "log":
			out.Group, out.IKEName, out.IKEUniqueID, out.Msg = str(m, "group"), str(m, "ikesa-name"), str(m, "ikesa-uniqueid"), str(m, "msg")
			out.Level, _ = strconv.Atoi(str(m, "level"))
		default:
			out.Up = str(m, "up") == "yes"
			for _, k := range m.Keys() {
				if sa, ok := m.Get(k).(*vici.Message); ok {
					out.Names = append(out.Names, k)
					_ = sa
				}
			}
		}
		select {
		case c.events <- out:
		default: // the agent is behind: drop (SAs are polled anyway)
		}
	}
}

func (c *viciCharon) Events() <-chan Event { return c.events }

func (c *viciCharon) Close() error {
	return errors.Join(c.cmd.Close(), c.ev.Close())
}

func (c *viciCharon) call(ctx context.Context, cmd string, m *vici.Message) (*vici.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return c.cmd.Call(ctx, cmd, m)
}

// collect sends cmd and returns the messages of event the daemon streamed
// while handling it.
func (c *viciCharon) collect(ctx context.Context, cmd, event string) ([]*vici.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return CallCollect(ctx, c.cmd, cmd, event, nil)
}

// CallCollect sends cmd with msg on sess and returns the messages of event
// the daemon streamed while handling it. It subscribes before the call and
// drains a buffered channel after it instead of using govici's
// CallStreaming, which may lose the last events of a long stream: charon
// sends every event of a command before its response, so once Call returns
// every event is in the channel. (internal/tunneltest uses it too.)
func CallCollect(ctx context.Context, sess *vici.Session, cmd, event string, msg *vici.Message) ([]*vici.Message, error) {
	if err := sess.Subscribe(event); err != nil {
		return nil, err
	}
	ch := make(chan vici.Event, 65536)
	sess.NotifyEvents(ch)
	defer sess.StopEvents(ch)
	_, err := sess.Call(ctx, cmd, msg)
	var out []*vici.Message
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return out, err
			}
			if ev.Name == event && ev.Message != nil {
				out = append(out, ev.Message)
			}
		default:
			return out, err
		}
	}
}

func (c *viciCharon) Conns(ctx context.Context) ([]string, error) {
	m, err := c.call(ctx, "get-conns", nil)
	if err != nil {
		return nil, err
	}
	return list(m, "conns"), nil
}

func (c *viciCharon) SharedIDs(ctx context.Context) ([]string, error) {
	m, err := c.call(ctx, "get-shared", nil)
	if err != nil {
		return nil, err
	}
	return list(m, "keys"), nil
}

func (c *viciCharon) SAs(ctx context.Context) ([]IKESA, error) {
	msgs, err := c.collect(ctx, "list-sas", "list-sa")
	if err != nil {
		return nil, err
	}
	var out []IKESA
	for _, m := range msgs {
		for _, name := range m.Keys() {
			sa, ok := m.Get(name).(*vici.Message)
			if !ok {
				continue
			}
			s := IKESA{Name: name, UniqueID: str(sa, "uniqueid"), State: str(sa, "state"), RemoteHost: str(sa, "remote-host")}
			s.Established, _ = strconv.Atoi(str(sa, "established"))
			if children, ok := sa.Get("child-sas").(*vici.Message); ok {
				for _, k := range children.Keys() {
					ch, ok := children.Get(k).(*vici.Message)
					if !ok {
						continue
					}
					s.Children = append(s.Children, ChildSA{Name: str(ch, "name"), UniqueID: str(ch, "uniqueid"), State: str(ch, "state"),
						BytesIn: unum(ch, "bytes-in"), BytesOut: unum(ch, "bytes-out"), PacketsIn: unum(ch, "packets-in"), PacketsOut: unum(ch, "packets-out")})
				}
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UniqueID < out[j].UniqueID })
	return out, nil
}

// message converts a parsed section into a VICI message.
func message(s *Section) (*vici.Message, error) {
	m := vici.NewMessage()
	for _, it := range s.Items {
		var err error
		switch {
		case it.Sub != nil:
			var sub *vici.Message
			if sub, err = message(it.Sub); err == nil {
				err = m.Set(it.Key, sub)
			}
		case it.IsList:
			err = m.Set(it.Key, it.List)
		default:
			err = m.Set(it.Key, it.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (c *viciCharon) LoadConn(ctx context.Context, conn *Section) error {
	body, err := message(conn)
	if err != nil {
		return err
	}
	m := vici.NewMessage()
	if err := m.Set(conn.Name, body); err != nil {
		return err
	}
	_, err = c.call(ctx, "load-conn", m)
	return err
}

func (c *viciCharon) UnloadConn(ctx context.Context, name string) error {
	m := vici.NewMessage()
	_ = m.Set("name", name)
	_, err := c.call(ctx, "unload-conn", m)
	return err
}

func (c *viciCharon) LoadShared(ctx context.Context, s Shared) error {
	m := vici.NewMessage()
	_ = m.Set("id", s.ID)
	_ = m.Set("type", "IKE")
	_ = m.Set("data", string(s.Data))
	_ = m.Set("owners", s.Owners)
	_, err := c.call(ctx, "load-shared", m)
	return err
}

func (c *viciCharon) UnloadShared(ctx context.Context, id string) error {
	m := vici.NewMessage()
	_ = m.Set("id", id)
	_, err := c.call(ctx, "unload-shared", m)
	return err
}

func (c *viciCharon) Initiate(ctx context.Context, ike, child string) error {
	m := vici.NewMessage()
	_ = m.Set("child", child)
	_ = m.Set("ike", ike)
	_ = m.Set("timeout", "-1") // do not wait: the outcome comes as events
	_ = m.Set("init-limits", "no")
	_, err := c.call(ctx, "initiate", m)
	return err
}

func (c *viciCharon) Terminate(ctx context.Context, ikeID string) error {
	m := vici.NewMessage()
	_ = m.Set("ike-id", ikeID)
	_ = m.Set("timeout", "-1")
	_, err := c.call(ctx, "terminate", m)
	return err
}

func str(m *vici.Message, key string) string {
	v, _ := m.Get(key).(string)
	return v
}

func unum(m *vici.Message, key string) uint64 {
	n, _ := strconv.ParseUint(str(m, key), 10, 64)
	return n
}

func list(m *vici.Message, key string) []string {
	v, _ := m.Get(key).([]string)
	return append([]string(nil), v...)
}
