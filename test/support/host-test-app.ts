/**
 * A tiny Functions app for the local host's tests: one of each shape the product uses
 * (anonymous GET with route params, keyed POST, a failing function, a fast timer and
 * one that is never due during a test).
 */
import { app, HttpResponse } from '@azure/functions';

app.http('getThing', {
  route: 'things/{id}/{*rest}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request, context) => {
    context.log('get thing', request.params.id);
    return {
      status: 200,
      jsonBody: {
        id: request.params.id,
        rest: request.params.rest,
        tags: request.query.getAll('tag'),
        accept: request.headers.get('accept'),
      },
    };
  },
});

app.http('echo', {
  route: 'echo',
  methods: ['POST', 'PUT'],
  authLevel: 'function',
  handler: async (request) => {
    const body = Buffer.from(await request.arrayBuffer());
    // Returned as an HttpResponse (not an init object) so both result shapes are exercised.
    return new HttpResponse({
      status: 201,
      body,
      headers: {
        'content-type': request.headers.get('content-type') ?? 'application/octet-stream',
        'x-echo-method': request.method,
        'x-echo-header': request.headers.get('x-custom') ?? '',
      },
      cookies: [{ name: 'seen', value: '1', httpOnly: true }],
    });
  },
});

app.http('fails', {
  route: 'fails',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request) => {
    // JSON.parse quotes the input in its message: the host must not log it.
    return { jsonBody: JSON.parse(await request.text()) };
  },
});

app.timer('tick', {
  schedule: '*/1 * * * * *',
  handler: async (timer, context) => {
    context.log(`tick isPastDue=${timer.isPastDue} next=${timer.scheduleStatus.next}`);
  },
});

app.timer('nightly', {
  schedule: '0 0 3 * * *',
  handler: async (timer, context) => {
    // Never due during a test run: any log line from here came from an explicit invocation.
    context.log(`nightly ran isPastDue=${timer.isPastDue}`);
  },
});

app.timer('fromSetting', {
  // Resolved by the host from the environment, as Azure resolves app-setting references.
  schedule: '%RR_HOST_TEST_SCHEDULE%',
  handler: async () => {},
});
