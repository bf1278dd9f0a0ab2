// Scripted calls for the demo recordings. Each turn: who speaks, what (strings; `{ pii: '...' }`
// marks words that Contact Lens would redact: silence in the audio, `[PII]` in the transcript),
// the pause before it (negative = the speaker interrupts), its sentiment, and optionally an
// issue phrase (Contact Lens IssuesDetected) and categories it matches.
// Nothing here is real: names, numbers and addresses are invented.

export const VOICES = {
  agent: { voice: 'en-us+f3', speed: 165 },
  customerA: { voice: 'en-gb+m3', speed: 160 },
  customerB: { voice: 'en-us+m2', speed: 170 },
  customerC: { voice: 'en-gb-scotland+m1', speed: 155 },
};

const A = (content, o = {}) => ({ who: 'AGENT', content, ...o });
const C = (content, o = {}) => ({ who: 'CUSTOMER', content, ...o });

/** A short billing call (about 1.5 minutes); also delivered as MP3 and Opus. */
export const billing = {
  slug: 'billing-roaming-charge',
  contactId: '3b0e6c2a-8f41-4d7e-9c55-1a2b3c4d5e01',
  title: 'Billing: unexpected roaming charge',
  queue: 'Billing',
  agent: 'Dana Whitfield',
  initiation: '2025-11-18T09:12:04Z',
  customerVoice: 'customerA',
  formats: ['wav', 'mp3', 'opus'],
  turns: [
    A('Thank you for calling Northwind Mobile, my name is Dana. How can I help you today?'),
    C('Hi Dana. I was charged for roaming on my last bill, but I never left the country.', { sentiment: 'NEGATIVE', issue: 'I was charged for roaming on my last bill', categories: ['BillingDispute'] }),
    A('I am sorry about that, let me take a look. Can I have the account holder name please?'),
    C(['It is', { pii: 'Peter Okafor' }, '.']),
    A('Thank you. I can see a roaming charge of twelve dollars on the fourteenth of October.'),
    C('That is the one. I was at home the whole month.', { sentiment: 'NEGATIVE' }),
    A('It looks like your phone connected to a network across the border for a few minutes. That happens near the coast.'),
    C('Well, that is not my fault, is it?', { sentiment: 'NEGATIVE', pause: -400 }),
    A('No, it is not. I have removed the charge, and I will turn on a roaming alert so you get a text before any charge.', { sentiment: 'POSITIVE' }),
    C('Oh, that is great, thank you.', { sentiment: 'POSITIVE' }),
    A('You are welcome. The credit will show on your next bill. Is there anything else I can help with?', { sentiment: 'POSITIVE' }),
    C('No, that is all. Thanks for your help, Dana.', { sentiment: 'POSITIVE' }),
    A('Thank you for calling Northwind Mobile. Have a lovely day.', { sentiment: 'POSITIVE' }),
  ],
};

/** A cancellation call (about 3 minutes) with personal data redacted and an interruption. */
export const cancellation = {
  slug: 'cancellation-retention',
  contactId: '7d9a4e10-2c63-4b8f-a1d2-5e6f7a8b9c02',
  title: 'Cancellation request, retained with a new plan',
  queue: 'Retention',
  agent: 'Dana Whitfield',
  initiation: '2025-11-19T14:37:51Z',
  customerVoice: 'customerB',
  formats: ['wav'],
  turns: [
    A('Thank you for calling Northwind Mobile, this is Dana speaking. How can I help?'),
    C('Yes, I want to cancel my contract. I have had enough.', { sentiment: 'NEGATIVE', issue: 'I want to cancel my contract', categories: ['Cancellation'] }),
    A('I am sorry to hear that. Before we go on, I need to verify your identity. What is your date of birth?'),
    C(['It is', { pii: 'the third of March nineteen eighty six' }, '.']),
    A('And the first line of your address?'),
    C(['', { pii: 'forty two Harbour Road' }, ', Springfield.']),
    A('Thank you, you are verified. May I ask why you would like to cancel?'),
    C('My bill went up again and the signal at home is terrible. I keep dropping calls.', { sentiment: 'NEGATIVE', issue: 'the signal at home is terrible' }),
    A('I understand, that is frustrating. Let me check the coverage at your address.'),
    C('I have already checked it. It is bad.', { sentiment: 'NEGATIVE', pause: -700 }),
    A('You are right, there is a known weak spot there. We can send you a free signal booster for the house.'),
    C('And the price?', { sentiment: 'MIXED' }),
    A('I can move you to the Flex plan. It is eight dollars cheaper per month and has more data.', { sentiment: 'POSITIVE' }),
    C('Eight dollars cheaper and a booster? Okay, that changes things.', { sentiment: 'POSITIVE' }),
    A(['Great. To confirm the change I will send a code to the number ending in', { pii: 'five five one two' }, '.']),
    A('Could you read the code back to me when it arrives?'),
    C(['The code is', { pii: 'eight three one nine' }, '.'], { pause: 2500 }),
    A('Perfect. Your plan changes today and the booster ships tomorrow.', { sentiment: 'POSITIVE' }),
    C('Alright. Thank you, I will keep the contract then.', { sentiment: 'POSITIVE' }),
    A('Thank you for staying with us. Have a good afternoon.', { sentiment: 'POSITIVE' }),
  ],
};

/** A long troubleshooting call (over 30 minutes), assembled from a set of utterances. */
export const troubleshooting = {
  slug: 'router-troubleshooting-long',
  contactId: 'c41f8b27-9e35-4a06-8d7b-6f5e4d3c2b03',
  title: 'Home broadband outage, long troubleshooting session',
  queue: 'Technical Support',
  agent: 'Dana Whitfield',
  initiation: '2025-11-20T18:02:33Z',
  customerVoice: 'customerC',
  formats: ['wav'],
  minDurationMillis: 31 * 60 * 1000,
  intro: [
    A('Thank you for calling Northwind technical support, my name is Dana. What can I do for you?'),
    C('My home internet has been dropping every few minutes since yesterday evening.', { sentiment: 'NEGATIVE', issue: 'My home internet has been dropping every few minutes', categories: ['Outage'] }),
    A('I am sorry about that. Can you confirm the account number for the broadband service?'),
    C(['Sure, it is', { pii: 'nine zero four four seven one' }, '.']),
    A('Thank you. I see no outage in your area, so let us go through a few checks together.'),
    C('Okay, I have the router in front of me.'),
  ],
  // One troubleshooting step: instruction, acknowledgement, a wait while the customer does it,
  // the result, and the agent's follow-up. Steps repeat (a long call is many short loops).
  steps: [
    [A('Please unplug the router from the power, wait ten seconds, and plug it back in.'), C('Okay, doing that now.'), C('It is back on. The internet light is orange.', { sentiment: 'NEGATIVE' }), A('Thanks. Orange means it has not connected yet. Let us wait a little longer.')],
    [A('Can you check that the grey cable is firmly in the port labelled D S L?'), C('Give me a second.'), C('It was a bit loose. I pushed it in.'), A('Good, that could well be part of it.')],
    [A('I am running a line test from my side now. Please do not touch the router.'), C('Sure, I will wait.'), C('Is the test still running?', { sentiment: 'MIXED' }), A('Almost done. The line looks clean, the problem seems to be inside the house.')],
    [A('Could you open the router page in a browser and tell me the firmware version?'), C('Alright, logging in now.'), C('It says version four point two point one.'), A('That is an old version. I am pushing an update to it now.')],
    [A('Please try moving the router away from the microwave and the cordless phone.'), C('Okay, I moved it to the shelf.'), C('It seems a bit better so far.', { sentiment: 'POSITIVE' }), A('Good. Let us keep an eye on it for a few minutes.')],
    [A('Can you run a speed test on the laptop that is connected by cable?'), C('Running it now.'), C('Forty eight megabits down and nine up.'), A('That is what your line should give you. So the wired connection is fine.')],
    [A('Now please check the wifi channel setting on the router page.'), C('It says automatic.'), C('I switched it to channel eleven like you said.'), A('Thank you. That channel is less crowded in your area.')],
    [A('I am resetting the connection on the exchange side. It takes about a minute.'), C('Okay, I will hold.'), C('The light just went green!', { sentiment: 'POSITIVE' }), A('Excellent, that is the connection established.')],
  ],
  outro: [
    A('The connection has been stable for the last fifteen minutes, and the logs look clean now.', { sentiment: 'POSITIVE' }),
    C('That is a relief. Thank you for your patience, it has been a long call.', { sentiment: 'POSITIVE' }),
    A('No problem at all. I have added a note and a credit for the outage to your account.', { sentiment: 'POSITIVE', categories: ['Credit'] }),
    C('Much appreciated. Have a good evening.', { sentiment: 'POSITIVE' }),
    A('You too. Thank you for calling Northwind.', { sentiment: 'POSITIVE' }),
  ],
};

export const CALLS = [billing, cancellation, troubleshooting];

/** A chat contact: its transcript is what Connect writes to ChatTranscripts/ when it ends. */
export const chat = {
  slug: 'chat-delivery-address',
  contactId: 'e2a7c9d1-5b38-4f6e-8a90-1c2d3e4f5a04',
  title: 'Chat: change of delivery address',
  queue: 'Retention',
  agent: 'Dana Whitfield',
  initiation: '2025-11-21T11:05:10Z',
  messages: [
    ['CUSTOMER', 'Hi, I moved last week. Can you send my next bill to my new address?'],
    ['AGENT', 'Of course. Could you confirm the account holder\'s name?'],
    ['CUSTOMER', 'Priya Raman.'],
    ['AGENT', 'Thanks, Priya. What is the new address?'],
    ['CUSTOMER', '12 Harbour Lane, Port Ellis.'],
    ['AGENT', 'Done: your next bill goes to 12 Harbour Lane. Anything else?'],
    ['CUSTOMER', 'No, that is all. Thank you!'],
  ],
};
export const CHATS = [chat];

/** Each agent's agent hierarchy groups in Amazon Connect, level 1 first. */
export const AGENT_HIERARCHY = {
  'Dana Whitfield': ['Northwind Mobile', 'Customer Care', 'Tier 1'],
};
