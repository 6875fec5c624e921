// Realistic deliveries for screenshots and demos; the Stripe one is sent last so it is newest.

const STRIPE_TYPES = ['customer.created', 'invoice.paid', 'charge.succeeded', 'invoice.finalized', 'customer.subscription.updated', 'checkout.session.completed'];
const GITHUB_EVENTS = ['pull_request', 'issues', 'check_run', 'workflow_run', 'push'];

const background = Array.from({ length: 22 }, (_, i) =>
  i % 3 === 0
    ? { path: '/github/webhook', headers: { 'content-type': 'application/json', 'x-github-event': GITHUB_EVENTS[i % 5] }, body: JSON.stringify({ action: 'opened', number: 1340 + i, repository: { full_name: 'octo/hello' }, sender: { login: 'hubot' } }) }
    : i % 3 === 1
      ? { path: '/stripe/webhook?acct=42', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ id: `evt_1Q${i}x${i * 7}`, object: 'event', type: STRIPE_TYPES[i % 6], data: { object: { id: `cus_${i}N3x`, object: 'customer' } } }) }
      : { path: '/linear/issues', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'update', type: 'Issue', data: { id: `ISS-${200 + i}`, title: 'Crash on empty payload', priority: 2 } }) },
);

export const SAMPLES = (randomBytes) => [
  ...background,
  { path: '/github/webhook', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-hub-signature-256': 'sha256=7d38cdd689735b008b3c702edd92eea23791c5f6' }, body: JSON.stringify({ ref: 'refs/heads/main', before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', repository: { id: 1296269, full_name: 'octo/hello', private: false }, pusher: { name: 'octo', email: 'octo@example.com' }, commits: [{ id: '0d1a26e6', message: 'Fix the flux capacitor', added: [], removed: [], modified: ['README.md'] }] }) },
  { path: '/slack/commands', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&channel_name=general&user_name=steve&command=%2Fdeploy&text=web+production' },
  { method: 'GET', path: '/health', body: '' },
  { path: '/shopify/orders/create', headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=' }, body: JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '199.65', currency: 'USD', line_items: [{ title: 'IPod Nano - 8GB', quantity: 1 }] }) },
  { path: '/uploads/avatar', headers: { 'content-type': 'application/octet-stream' }, body: randomBytes(1800) },
  { method: 'PUT', path: '/twilio/status', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=SM123&MessageStatus=delivered&To=%2B15558675310' },
  { method: 'DELETE', path: '/api/v1/subscriptions/sub_49ty4767H20z6a', body: '' },
  {
    path: '/stripe/webhook?acct=42',
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', 'stripe-signature': 't=1764158671,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd' },
    body: JSON.stringify({ id: 'evt_1Q2w3E4r5T6y', object: 'event', api_version: '2024-06-20', created: 1764158671, type: 'payment_intent.succeeded', livemode: false, data: { object: { id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded', metadata: { order_id: '6735' } } }, request: { id: null, idempotency_key: '8d1f2b6e-7c44-4b9a-9d7e-2c1a4d8f0b37' } }),
  },
];
