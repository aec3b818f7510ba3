package agent

import (
	"sort"
	"strings"
	"time"
)

// ActionKind is what one step of a reconcile does.
type ActionKind int

// The steps of a reconcile, in the order a plan lists them.
const (
	// Remove: unload the connection, then terminate its SAs (so that
	// a peer that reconnects finds no configuration).
	Remove ActionKind = iota
	// Load: load-shared the unit's key, then load-conn the connection.
	Load
	// Reload: as Load, then terminate the SAs of the old configuration
	// (so a peer that reconnects negotiates the new one).
	Reload
	// UnloadShared: unload a key of a connection that is gone or changed.
	UnloadShared
	// Initiate: start CHILD_SAs of an EffectImmediately connection that is
	// down.
	Initiate
)

func (k ActionKind) String() string {
	return [...]string{"remove", "load", "reload", "unload-shared", "initiate"}[k]
}

// Action is one step of a reconcile.
type Action struct {
	Kind ActionKind
	Name string // connection name
	Unit *Unit  // Load, Reload, Initiate
	// SharedID is the key of UnloadShared.
	SharedID string
	// Terminate lists the unique ids of the IKE_SAs Remove and Reload
	// delete (those of the old configuration).
	Terminate []string
	// Children are the CHILD_SAs Initiate starts.
	Children []string
}

// String is a short description for logs.
func (a Action) String() string {
	switch a.Kind {
	case UnloadShared:
		return "unload-shared " + a.SharedID
	case Remove, Reload:
		if len(a.Terminate) > 0 {
			return a.Kind.String() + " " + a.Name + " (terminate " + strings.Join(a.Terminate, ",") + ")"
		}
	case Initiate:
		return "initiate " + strings.Join(a.Children, ",")
	}
	return a.Kind.String() + " " + a.Name
}

// Failure remembers a unit whose load charon refused, so that the same
// configuration is not retried before Until.
type Failure struct {
	Hash     string
	Until    time.Time
	Attempts int
	Err      string
}

// PlanInput is what a reconcile plans from: the desired units of one
// charon and what that charon has.
type PlanInput struct {
	Prefix    string   // the names the agent owns (Prefix(gateway))
	Units     []Unit   // desired, for this charon
	Conns     []string // loaded connections (all of charon's, owned or not)
	SharedIDs []string // loaded shared keys
	SAs       []IKESA
	// Failed holds recent refusals by connection name.
	Failed map[string]Failure
	// Initiated holds when each connection was last initiated (or
	// loaded with start_action = start).
	Initiated map[string]time.Time
	Now       time.Time
	// InitiateEvery is how long an EffectImmediately connection that is
	// down waits before it is initiated again.
	InitiateEvery time.Duration
}

// upStates are IKE_SA states in which the SA exists and needs no
// initiation.
func ikeAlive(state string) bool {
	switch state {
	case "DELETING", "DESTROYING", "":
		return false
	}
	return true
}

// Plan computes the steps that bring charon to the desired units: remove
// owned connections that are not desired (or cannot be loaded), load new
// ones, reload changed ones (a connection is current when the key of its
// unit's hash is loaded: see Unit.SharedID), unload stale keys, and
// initiate EffectImmediately connections that are down. A unit charon
// refused is not retried before its Failure ends (unless it changed).
// Connections and keys outside Prefix are never touched. The result is
// deterministic: Remove, then Load/Reload, UnloadShared, Initiate, each
// sorted by name.
func Plan(in PlanInput) []Action {
	conns := map[string]bool{}
	for _, c := range in.Conns {
		conns[c] = true
	}
	shared := map[string]bool{}
	for _, id := range in.SharedIDs {
		shared[id] = true
	}
	alive := map[string][]string{}  // connection name -> unique ids of its live IKE_SAs
	childAlive := map[string]bool{} // child name -> a CHILD_SA exists
	for _, sa := range in.SAs {
		if !ikeAlive(sa.State) {
			continue
		}
		alive[sa.Name] = append(alive[sa.Name], sa.UniqueID)
		for _, ch := range sa.Children {
			childAlive[sa.Name+"\x00"+ch.Name] = true
		}
	}
	desired := map[string]*Unit{}
	for i := range in.Units {
		u := &in.Units[i]
		if u.Err == "" {
			desired[u.Name] = u
		}
	}
	var removes, loads, unloads, initiates []Action
	for _, c := range in.Conns {
		if strings.HasPrefix(c, in.Prefix) && desired[c] == nil {
			removes = append(removes, Action{Kind: Remove, Name: c, Terminate: alive[c]})
		}
	}
	// Keys to keep: the current key of every desired unit, and the old
	// key of a unit whose new configuration is held back after a refusal
	// (its old connection still runs).
	keep := map[string]bool{}
	for _, u := range desired {
		current := conns[u.Name] && shared[u.SharedID()]
		if current {
			keep[u.SharedID()] = true
			continue
		}
		if f, ok := in.Failed[u.Name]; ok && f.Hash == u.Hash && in.Now.Before(f.Until) {
			for id := range shared {
				if ownerOf(id) == u.Name {
					keep[id] = true
				}
			}
			continue
		}
		keep[u.SharedID()] = true
		if conns[u.Name] {
			loads = append(loads, Action{Kind: Reload, Name: u.Name, Unit: u, Terminate: alive[u.Name]})
		} else {
			loads = append(loads, Action{Kind: Load, Name: u.Name, Unit: u})
		}
	}
	for id := range shared {
		if strings.HasPrefix(id, in.Prefix) && !keep[id] {
			unloads = append(unloads, Action{Kind: UnloadShared, Name: ownerOf(id), SharedID: id})
		}
	}
	for _, u := range desired {
		if !u.Immediate || !conns[u.Name] || !shared[u.SharedID()] {
			continue // not loaded, or loaded by this plan (start_action = start initiates)
		}
		if last, ok := in.Initiated[u.Name]; ok && in.Now.Sub(last) < in.InitiateEvery {
			continue
		}
		var down []string
		for _, ch := range u.Children {
			if !childAlive[u.Name+"\x00"+ch] {
				down = append(down, ch)
			}
		}
		if len(down) > 0 {
			initiates = append(initiates, Action{Kind: Initiate, Name: u.Name, Unit: u, Children: down})
		}
	}
	for _, as := range [][]Action{removes, loads, unloads, initiates} {
		sort.Slice(as, func(i, j int) bool {
			if as[i].Name != as[j].Name {
				return as[i].Name < as[j].Name
			}
			return as[i].SharedID < as[j].SharedID
		})
	}
	out := append(removes, loads...)
	out = append(out, unloads...)
	return append(out, initiates...)
}
