/*
 * dns_resolver.c - queue DNS queries and run them concurrently.
 *
 * Backends: c-ares (one channel per resolver; every query of a command is
 * sent at once and answered as replies arrive) or a caller-supplied
 * in-memory backend.  Either way the reply bytes go through
 * bk_dns_answer_parse(), and a reply that ends on a CNAME outside its
 * data is asked again for the target, at most BK_LIMIT_DNS_CNAME_CHAIN
 * times.
 *
 * c-ares 1.18 treats SERVFAIL and REFUSED replies as a dead server and
 * reports ARES_ECONNREFUSED after trying them all; ARES_FLAG_NOCHECKRESP
 * hands the reply to us instead, so the answer says SERVFAIL.
 *
 * Invariant: answers are delivered only from bk_resolver_run(), never
 * from bk_resolver_query(), so callers may queue from anywhere.
 */
#include <ares.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "dns/dns_int.h"
#include "util/util_int.h"

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_TRIES 2
#define REPLY_MAX 65535

struct query {
	bk_resolver *r;
	struct query *next;
	char name[256];
	bk_dns_type type;
	bk_dns_callback cb;
	void *arg;
	unsigned links;            /* CNAME re-queries so far */
	bk_dns_answer *ans;        /* set once complete */
	char orig[256];            /* the name first asked for */
};

struct bk_resolver {
	ares_channel ch;
	int have_ch;
	bk_dns_backend be;
	int have_be;
	struct query *todo_head, *todo_tail;   /* backend queries */
	struct query *done_head, *done_tail;   /* complete, to deliver */
	unsigned inflight;         /* queries c-ares holds */
	unsigned max_inflight;     /* 0: no bound */
	struct query *wait_head, *wait_tail;   /* held past max_inflight */
	unsigned queued;           /* all queries not yet delivered */
	unsigned long sent;
};

static void
push(struct query **head, struct query **tail, struct query *q)
{
	q->next = NULL;
	if (*tail != NULL)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

static struct query *
pop(struct query **head, struct query **tail)
{
	struct query *q = *head;

	if (q != NULL) {
		*head = q->next;
		if (*head == NULL)
			*tail = NULL;
	}
	return q;
}

/* bk_resolver_new - c-ares channel or backend, see dns.h */
int
bk_resolver_new(bk_resolver **out, const bk_dns_options *opts,
    char **errmsg_out)
{
	bk_dns_options def = BK_DNS_OPTIONS_INIT;
	struct ares_options ao;
	bk_resolver *r;
	int rc;

	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (opts == NULL)
		opts = &def;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return BK_ENOMEM;
	if (opts->backend != NULL) {
		r->be = *opts->backend;
		r->have_be = 1;
		*out = r;
		return 0;
	}
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		free(r);
		return BK_EIO;
	}
	if (opts->version >= 2)
		r->max_inflight = opts->max_inflight;
	memset(&ao, 0, sizeof(ao));
	ao.flags = ARES_FLAG_NOCHECKRESP;
	ao.timeout = (int)(opts->timeout_ms ? opts->timeout_ms :
	    DEFAULT_TIMEOUT_MS);
	ao.tries = (int)(opts->tries ? opts->tries : DEFAULT_TRIES);
	rc = ares_init_options(&r->ch, &ao,
	    ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		if (errmsg_out != NULL)
			*errmsg_out = strdup(ares_strerror(rc));
		ares_library_cleanup();
		free(r);
		return rc == ARES_ENOMEM ? BK_ENOMEM : BK_EIO;
	}
	r->have_ch = 1;
	if (opts->servers != NULL) {
		rc = ares_set_servers_ports_csv(r->ch, opts->servers);
		if (rc != ARES_SUCCESS) {
			if (errmsg_out != NULL) {
				char buf[300];

				snprintf(buf, sizeof(buf),
				    "bad DNS server list '%.200s': %s",
				    opts->servers, ares_strerror(rc));
				*errmsg_out = strdup(buf);
			}
			bk_resolver_free(r);
			return BK_EINVAL;
		}
	}
	*out = r;
	return 0;
}

static void
free_list(struct query *q)
{
	while (q != NULL) {
		struct query *n = q->next;

		bk_dns_answer_free(q->ans);
		free(q);
		q = n;
	}
}

/* bk_resolver_free - pending callbacks are not called */
void
bk_resolver_free(bk_resolver *r)
{
	if (r == NULL)
		return;
	if (r->have_ch) {
		/* destruction completes every c-ares query into done */
		ares_destroy(r->ch);
		ares_library_cleanup();
	}
	free_list(r->todo_head);
	free_list(r->done_head);
	free_list(r->wait_head);
	free(r);
}

/* bk_resolver_queries - queries sent so far */
unsigned long
bk_resolver_queries(const bk_resolver *r)
{
	return r ? r->sent : 0;
}

static void send_query(struct query *q);

/*
 * complete - a reply (or a fault) for q arrived: either ask again for a
 * CNAME target or move q to the delivery list.
 */
static void
complete(struct query *q, bk_dns_answer *ans)
{
	bk_resolver *r = q->r;

	if (ans == NULL)
		ans = bk__dns_answer_status(q->orig, q->type,
		    BK_DNS_BADRESP);
	if (ans != NULL && ans->status == BK_DNS_OK && ans->count == 0 &&
	    q->type != BK_DNS_CNAME &&
	    !bk__dns_name_eq(ans->cname, strlen(ans->cname), q->name,
	    strlen(q->name))) {
		/* the reply stopped at a CNAME: ask for its target */
		size_t n = strlen(ans->cname);

		if (++q->links > BK_LIMIT_DNS_CNAME_CHAIN ||
		    n >= sizeof(q->name) ||
		    !bk__dns_name_valid(ans->cname, n)) {
			ans->status = BK_DNS_CNAME_LOOP;
		} else {
			memcpy(q->name, ans->cname, n + 1);
			bk_dns_answer_free(ans);
			send_query(q);
			return;
		}
	}
	q->ans = ans;
	push(&r->done_head, &r->done_tail, q);
}

static bk_dns_status
ares_status(int st)
{
	switch (st) {
	case ARES_ETIMEOUT:
		return BK_DNS_TIMEOUT;
	case ARES_ECONNREFUSED:
		return BK_DNS_NOSERVER;
	case ARES_ESERVFAIL:
		return BK_DNS_SERVFAIL;
	case ARES_EREFUSED:
		return BK_DNS_REFUSED;
	case ARES_ENOTFOUND:
		return BK_DNS_NXDOMAIN;
	case ARES_ENODATA:
		return BK_DNS_NODATA;
	case ARES_EBADNAME:
		return BK_DNS_BADNAME;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		return BK_DNS_CANCELLED;
	default:
		return BK_DNS_BADRESP;
	}
}

/* on_ares - c-ares callback: parse the reply bytes when there are any */
static void
on_ares(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	bk_dns_answer *ans = NULL;

	q->r->inflight--;
	if (q->r->wait_head != NULL && status != ARES_EDESTRUCTION) {
		struct query *w = pop(&q->r->wait_head, &q->r->wait_tail);

		q->r->inflight++;
		ares_query(q->r->ch, w->name, 1 /* IN */, (int)w->type,
		    on_ares, w);
	}
	if (abuf != NULL && alen > 0 && status != ARES_ETIMEOUT &&
	    status != ARES_EDESTRUCTION && status != ARES_ECANCELLED) {
		if (bk__dns_answer_parse(&ans, q->orig, q->name, q->type,
		    abuf, (size_t)alen) != 0)
			ans = NULL;
	} else
		ans = bk__dns_answer_status(q->orig, q->type,
		    ares_status(status));
	complete(q, ans);
}

/* send_query - to c-ares now, or to the backend's list */
static void
send_query(struct query *q)
{
	bk_resolver *r = q->r;

	r->sent++;
	if (r->have_be) {
		push(&r->todo_head, &r->todo_tail, q);
		return;
	}
	if (r->max_inflight > 0 && r->inflight >= r->max_inflight) {
		/* sent by on_ares() when a query in flight completes */
		push(&r->wait_head, &r->wait_tail, q);
		return;
	}
	r->inflight++;
	ares_query(r->ch, q->name, 1 /* IN */, (int)q->type, on_ares, q);
}

/* bk_resolver_query - queue one query, see dns.h */
int
bk_resolver_query(bk_resolver *r, const char *name, size_t namelen,
    bk_dns_type type, bk_dns_callback cb, void *arg)
{
	struct query *q;

	if (r == NULL || cb == NULL || (name == NULL && namelen > 0))
		return BK_EINVAL;
	if (r->queued >= BK_LIMIT_DNS_QUERIES)
		return BK_ETOOBIG;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return BK_ENOMEM;
	q->r = r;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	if (namelen > 0 && name[namelen - 1] == '.')
		namelen--;
	memcpy(q->name, name, namelen < 255 ? namelen : 255);
	q->name[namelen < 255 ? namelen : 255] = '\0';
	memcpy(q->orig, q->name, sizeof(q->orig));
	r->queued++;
	if (namelen >= sizeof(q->name) || !bk__dns_name_valid(name, namelen) ||
	    memchr(name, '\0', namelen) != NULL) {
		q->ans = bk__dns_answer_status(q->orig, type, BK_DNS_BADNAME);
		push(&r->done_head, &r->done_tail, q);
		return 0;
	}
	send_query(q);
	return 0;
}

/* run_backend - answer every queued backend query */
static void
run_backend(bk_resolver *r)
{
	unsigned char *buf;
	struct query *q;

	buf = malloc(REPLY_MAX);
	/* loop: each step answers one query; CNAME re-queries are bounded
	 * per query by BK_LIMIT_DNS_CNAME_CHAIN */
	while ((q = pop(&r->todo_head, &r->todo_tail)) != NULL) {
		bk_dns_answer *ans = NULL;
		size_t len = 0;
		int st;

		if (buf == NULL) {
			complete(q, NULL);
			continue;
		}
		st = r->be.query(r->be.ctx, q->name, q->type, buf, REPLY_MAX,
		    &len);
		if (st == BK_DNS_OK) {
			if (bk__dns_answer_parse(&ans, q->orig, q->name,
			    q->type, buf, len) != 0)
				ans = NULL;
		} else
			ans = bk__dns_answer_status(q->orig, q->type,
			    (bk_dns_status)st);
		complete(q, ans);
	}
	free(buf);
}

/* deliver - hand every complete answer to its callback */
static void
deliver(bk_resolver *r)
{
	struct query *q;

	while ((q = pop(&r->done_head, &r->done_tail)) != NULL) {
		bk_dns_answer *ans = q->ans;

		r->queued--;
		q->cb(q->arg, ans);
		free(q);
	}
}

/* wait_ares - one poll round over c-ares's sockets */
static int
wait_ares(bk_resolver *r)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	unsigned bits;
	int n = 0, i, ms, ready;

	/* the ARES_GETSOCK_* macros shift a signed 1 by up to 31 places;
	 * test the bits as unsigned instead */
	bits = (unsigned)ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		unsigned rd = bits & (1u << i);
		unsigned wr = bits & (1u << (i + ARES_GETSOCK_MAXNUM));

		if (!rd && !wr)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = (short)((rd ? POLLIN : 0) |
		    (wr ? POLLOUT : 0));
		pfd[n].revents = 0;
		n++;
	}
	tvp = ares_timeout(r->ch, NULL, &tv);
	ms = tvp ? (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000) :
	    1000;
	ready = poll(pfd, (nfds_t)n, ms);
	if (ready < 0)
		return BK_EIO;
	if (ready == 0) {
		ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		return 0;
	}
	for (i = 0; i < n; i++) {
		ares_socket_t rd = ARES_SOCKET_BAD, wr = ARES_SOCKET_BAD;

		if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
			rd = pfd[i].fd;
		if (pfd[i].revents & POLLOUT)
			wr = pfd[i].fd;
		if (rd != ARES_SOCKET_BAD || wr != ARES_SOCKET_BAD)
			ares_process_fd(r->ch, rd, wr);
	}
	return 0;
}

/* bk_resolver_run - until nothing is queued or in flight */
int
bk_resolver_run(bk_resolver *r)
{
	if (r == NULL)
		return BK_EINVAL;
	/* loop: ends when every query was delivered; each c-ares query
	 * ends by its own timeout and tries */
	for (;;) {
		if (r->have_be)
			run_backend(r);
		if (r->done_head != NULL) {
			deliver(r);
			continue;
		}
		if (r->todo_head != NULL)
			continue;
		if (!r->have_ch || r->inflight == 0)
			break;
		if (wait_ares(r) != 0)
			return BK_EIO;
	}
	return 0;
}

struct sync {
	bk_dns_answer *ans;
	int done;
};

static void
on_sync(void *arg, bk_dns_answer *ans)
{
	struct sync *s = arg;

	s->ans = ans;
	s->done = 1;
}

/* bk_resolver_lookup - query and wait */
int
bk_resolver_lookup(bk_resolver *r, bk_dns_answer **out, const char *name,
    bk_dns_type type)
{
	struct sync s = { NULL, 0 };
	int rc;

	if (out == NULL || name == NULL)
		return BK_EINVAL;
	*out = NULL;
	rc = bk_resolver_query(r, name, strlen(name), type, on_sync, &s);
	if (rc != 0)
		return rc;
	rc = bk_resolver_run(r);
	if (rc != 0)
		return rc;
	if (s.ans == NULL)
		return BK_ENOMEM;
	*out = s.ans;
	return 0;
}

/* bk_dns_reverse_name - reversed octets or nibbles, plus a suffix */
int
bk_dns_reverse_name(char *out, size_t cap, const char *ip,
    const char *suffix)
{
	unsigned char a[16];
	size_t o = 0;
	int n, i;

	if (out == NULL || ip == NULL)
		return BK_EINVAL;
	if (inet_pton(AF_INET, ip, a) == 1) {
		n = snprintf(out, cap, "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
		if (n < 0 || (size_t)n >= cap)
			return BK_ETOOBIG;
		o = (size_t)n;
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const char hex[] = "0123456789abcdef";

		if (cap < 64)
			return BK_ETOOBIG;
		for (i = 15; i >= 0; i--) {
			out[o++] = hex[a[i] & 15];
			out[o++] = '.';
			out[o++] = hex[a[i] >> 4];
			out[o++] = '.';
		}
		o--;
		out[o] = '\0';
	} else
		return BK_EINVAL;
	if (suffix != NULL && suffix[0] != '\0') {
		n = snprintf(out + o, cap - o, ".%s", suffix);
		if (n < 0 || (size_t)n >= cap - o)
			return BK_ETOOBIG;
	}
	return 0;
}
