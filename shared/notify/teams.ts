/**
 * Teams Workflows webhook payload: the "message with attachments" envelope the
 * "Post to a channel when a webhook request is received" flow expects. Pure.
 * https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 */
import type { AdaptiveCard } from './types.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface WorkflowsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

export function workflowsMessage(card: AdaptiveCard): WorkflowsMessage {
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }],
  };
}

/** A card with a title, some facts and an optional link: enough for a digest headline. */
export function simpleCard(input: {
  title: string;
  text?: string;
  facts?: { title: string; value: string }[];
  link?: { title: string; url: string };
}): AdaptiveCard {
  const body: unknown[] = [
    { type: 'TextBlock', text: input.title, weight: 'Bolder', size: 'Medium', wrap: true },
  ];
  if (input.text) body.push({ type: 'TextBlock', text: input.text, wrap: true });
  if (input.facts && input.facts.length > 0) body.push({ type: 'FactSet', facts: input.facts });
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  if (input.link) card.actions = [{ type: 'Action.OpenUrl', title: input.link.title, url: input.link.url }];
  return card;
}
