import { useState } from 'react';

/** What useSavingChoice needs of a save: a react-query mutation fits as it is. */
export interface ChoiceSave<V> {
  mutate(value: V, options: { onSettled: () => void }): void;
}

/**
 * For a control that saves as soon as it changes (a radio, a select): the value chosen, held from the
 * change until its save settles, then null (show the saved value again — the new one once the save's
 * refetch is in, the old one if it failed, with the save's error beside it). The mutation's own pending
 * state cannot stand in for it: react-query tells the component a task later (its notifications go
 * through a timer), and in between React puts the controlled input back to the saved value — the
 * click looked undone (a browser test saw it).
 */
export function useSavingChoice<V>(save: ChoiceSave<V>): { chosen: V | null; choose: (value: V) => void } {
  const [chosen, setChosen] = useState<V | null>(null);
  const choose = (value: V): void => {
    setChosen(value);
    save.mutate(value, { onSettled: () => setChosen(null) });
  };
  return { chosen, choose };
}
