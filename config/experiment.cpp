// placeholder until the experiment reader lands
