/** The playground page's elements (index.html), by id; a missing one is an error at load. */
const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

export const el = {
  tabs: $<HTMLDivElement>('tabs'),
  addTab: $<HTMLButtonElement>('add-tab'),
  removeTab: $<HTMLButtonElement>('remove-tab'),
  tabName: $<HTMLInputElement>('tab-name'),
  policyType: $<HTMLSelectElement>('policy-type'),
  template: $<HTMLSelectElement>('template'),
  editor: $<HTMLDivElement>('editor'),
  findings: $<HTMLOListElement>('findings'),
  findingCount: $<HTMLSpanElement>('finding-count'),
  form: $<HTMLFormElement>('request-form'),
  principal: $<HTMLInputElement>('req-principal'),
  action: $<HTMLInputElement>('req-action'),
  resource: $<HTMLInputElement>('req-resource'),
  resourceAccount: $<HTMLInputElement>('req-resource-account'),
  contextRows: $<HTMLDivElement>('context-rows'),
  addContext: $<HTMLButtonElement>('add-context'),
  actionList: $<HTMLDataListElement>('action-list'),
  keyList: $<HTMLDataListElement>('condition-key-list'),
  decision: $<HTMLElement>('decision'),
  decisionKind: $<HTMLSpanElement>('decision-kind'),
  decisionReason: $<HTMLSpanElement>('decision-reason'),
  deciding: $<HTMLUListElement>('deciding'),
  missing: $<HTMLUListElement>('missing'),
  skipped: $<HTMLParagraphElement>('skipped'),
  evalError: $<HTMLParagraphElement>('eval-error'),
  status: $<HTMLParagraphElement>('status'),
  share: $<HTMLButtonElement>('share'),
  lang: $<HTMLSelectElement>('lang'),
};
